#!/bin/sh
# The container's entrypoint: bring the database schema up to date, then become the
# `presslog` command asked for (default `serve`; the worker container runs `worker`).
#
# Several containers may start at once (app replicas, the worker): `presslog db upgrade`
# takes a lock (a PostgreSQL advisory lock; a file lock beside a SQLite database), so
# one migrates and the others wait and then find nothing to do. If the upgrade fails,
# the container exits with its error and the server never starts on a half-migrated
# schema (see docs/migrations.md).
set -eu

case "${1:-}" in
    --version | --help)
        # Answer about the image itself; no database needed.
        ;;
    db | backup | restore)
        # These work on the database as it is: `db downgrade` must not be undone by an
        # upgrade just before it, a backup taken before an upgrade must show the old
        # schema, and a restore replaces the database and then migrates it itself.
        ;;
    *)
        presslog db upgrade
        ;;
esac

# exec: the command replaces this shell, so it runs as PID 1 and receives the
# container's SIGTERM itself (gunicorn then shuts down gracefully).
exec presslog "$@"
