"""Taking over the shop's history: the legacy job log's Orders and Customers tables.

``mapping`` is the one table from legacy columns to PressLog's model, ``values``
reads and writes single values, ``reader`` streams the CSV files, ``store`` reads
and writes records in bulk, ``importer`` and ``exporter`` are the two commands'
work and ``cli`` their command-line faces.
"""
