"""Operations: Prometheus metrics, the job failure log and error reporting.

Keep this package's ``__init__`` free of imports: ``presslog.ops.multiprocess`` is
imported by the gunicorn configuration before ``prometheus_client`` may be loaded.
"""
