"""Shared plumbing: database base classes, rules, errors, logging, pagination, security."""
