# syntax=docker/dockerfile:1
# PressLog's production image: gunicorn serving the app on port 8000, with migrations
# applied by the entrypoint before the server starts. Build from the repository root:
#
#   docker build \
#     --build-arg VERSION="$(python -c 'import presslog; print(presslog.__version__)')" \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg SOURCE_URL=<the repository's URL> \
#     -t presslog .
#
# Every stage starts from the same base, pinned by digest: the multi-platform index
# (amd64, arm64, ...) published for python:3.13.15-slim-bookworm, which the
# python:3.13-slim-bookworm tag pointed to at the time. Debian 12 with Python 3.13,
# supported until October 2029. Renovate's Dockerfile manager keeps the digest current
# (it opens a pull request when the tag moves); update every FROM line together.

# ---- pgdg: the signing key of apt.postgresql.org ------------------------------------
# Taken from Debian's own (signed) postgresql-common package, which ships it for exactly
# this use; nothing of this stage but the key reaches the image.
FROM python:3.13-slim-bookworm@sha256:ed86c82274b3c69b52fb5820f358f0bd7df0b603332063cb5c6e32bd220c3e6e AS pgdg

WORKDIR /tmp/pgdg
RUN apt-get update \
    && apt-get download postgresql-common \
    && dpkg-deb --extract ./postgresql-common_*.deb . \
    && cp usr/share/postgresql-common/pgdg/apt.postgresql.org.gpg /tmp/apt.postgresql.org.gpg

# ---- builder: a virtual environment with the locked dependencies, then the app -------
FROM python:3.13-slim-bookworm@sha256:ed86c82274b3c69b52fb5820f358f0bd7df0b603332063cb5c6e32bd220c3e6e AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /app

# The dependencies, exactly as locked (hashes, no resolver: the lock lists every
# package), in a layer of their own that is rebuilt only when the lock changes. Every
# locked package publishes wheels for CPython 3.13 on amd64 and arm64, so nothing is
# compiled and the image needs no compiler; --only-binary makes sure of it.
COPY requirements/main.txt requirements/main.txt
RUN pip install --no-cache-dir --require-hashes --no-deps --only-binary=:all: \
        -r requirements/main.txt \
    && pip check

# The app itself. It is installed in place (editable) so that the code the container
# runs is /app/presslog and not a second copy inside the virtual environment; the
# `presslog` command lands in /opt/venv/bin.
COPY pyproject.toml README.md ./
COPY presslog/ presslog/
COPY deploy/entrypoint.sh deploy/entrypoint.sh
RUN pip install --no-cache-dir --no-deps --editable . \
    && rm -rf presslog.egg-info build \
    && python -m compileall -q presslog \
    && chmod 0755 deploy/entrypoint.sh

# ---- runtime: the virtual environment and the code, nothing used to build them ------
FROM python:3.13-slim-bookworm@sha256:ed86c82274b3c69b52fb5820f358f0bd7df0b603332063cb5c6e32bd220c3e6e AS runtime

ARG VERSION=0.1.0
ARG REVISION=""
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="PressLog" \
      org.opencontainers.image.description="Order intake and production tracking for a custom print and decoration shop" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="LicenseRef-Proprietary"

# pg_dump and pg_restore for `presslog backup` / `restore`. pg_dump refuses a server of
# a newer major version than its own, so the client comes from apt.postgresql.org in
# the major version of the PostgreSQL server (compose.yaml runs 17); build with
# --build-arg PG_MAJOR=<N> for another server. Package versions are not pinned (hence
# the DL3008 ignore): the base image's digest fixes the Debian release, and the archives
# keep only the current build of a package, so a pinned version would stop building as
# soon as a security fix is published.
# The user owns only the instance folder and /app/backups (a volume mounted there, as
# compose.yaml does for BACKUP_DIR, takes this ownership); the code stays read-only.
ARG PG_MAJOR=17
COPY --from=pgdg /tmp/apt.postgresql.org.gpg /usr/share/keyrings/apt.postgresql.org.gpg
# hadolint ignore=DL3008
RUN . /etc/os-release \
    && echo "deb [signed-by=/usr/share/keyrings/apt.postgresql.org.gpg] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 presslog \
    && useradd --system --uid 10001 --gid presslog --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin presslog \
    && mkdir -p /app/instance /app/backups \
    && chown presslog:presslog /app/instance /app/backups

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PRESSLOG_ENV=production \
    PRESSLOG_INSTANCE_PATH=/app/instance \
    PORT=8000

WORKDIR /app
USER 10001:10001

# The SQLite database (when DATABASE_URL is not set), the job queue and backups.
VOLUME ["/app/instance"]
EXPOSE 8000

# /healthz answers without touching the database; Python's own urllib, so the image
# needs no curl. A non-2xx answer or no answer raises, and the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz\", timeout=4)"]

# Migrations first (under a lock, safe with several containers), then the command.
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
CMD ["serve"]
