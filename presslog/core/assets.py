"""Static files served fast by the app itself: fingerprinted names, long caching, gzip.

``url_for('static', filename='css/app.css')`` yields ``/static/css/app.<hash>.css``,
where ``<hash>`` is the start of the SHA-256 of the file's bytes. Such a name can never
point at other bytes, so it is served with ``Cache-Control: public, max-age=31536000,
immutable``: a browser keeps it for a year and never asks again; a new release changes
the bytes, hence the name, hence the URL in every page. The plain name
(``/static/css/app.css``) still works, with ``no-cache`` and an ETag (a 304 when the
browser's copy is current).

Text files (CSS, JavaScript, SVG, JSON, source maps, plain text) are gzipped once per
process, on their first request, and the bytes kept in memory; clients that accept gzip
get them with ``Content-Encoding: gzip`` and ``Vary: Accept-Encoding``. A Range request
always gets the plain bytes, so ranges count bytes of the file itself.

HTML pages the app renders are gzipped too, per response, when they are over
:data:`HTML_MIN_BYTES` and the client accepts gzip; streamed responses (CSV exports) and
responses that already carry a Content-Encoding are left alone.

Hashes are computed once per process (each file on first use). With ``app.debug`` on,
a file's modification time and size are checked at each use and its hash recomputed
when they changed. Why in the app and not a build step or a new dependency: ADR 0013.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from werkzeug.security import safe_join
from werkzeug.wsgi import wrap_file

#: Characters of the SHA-256 hex digest put in a fingerprinted name.
HASH_LENGTH = 12
#: Cache-Control of a fingerprinted name: its bytes never change.
IMMUTABLE = "public, max-age=31536000, immutable"
#: Cache-Control of a plain name: kept, but asked again (ETag, 304) on every use.
REVALIDATE = "no-cache"
#: Extensions whose files are worth compressing (text); images and fonts already are.
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".svg", ".json", ".map", ".txt", ".xml"})
#: Files below this are sent as they are: gzip's own header would eat the savings.
MIN_COMPRESS_BYTES = 512
#: Files above this are not kept in memory (sent from disk, uncompressed).
MAX_CACHED_BYTES = 8 * 1024 * 1024
#: HTML responses of at least this many bytes are gzipped.
HTML_MIN_BYTES = 1024
#: gzip level for static files (once per process: the smallest output is worth it)
#: and for pages (every response: quick).
STATIC_GZIP_LEVEL = 9
HTML_GZIP_LEVEL = 6

# Types Python's table lacks or names differently on some systems.
_EXTRA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".map": "application/json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".svg": "image/svg+xml",
}

_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)?$"
)


@dataclass
class Asset:
    """One static file as this process knows it: its bytes, hash and gzipped bytes."""

    path: Path
    mtime_ns: int
    size: int
    digest: str
    content_type: str
    data: bytes | None = None
    _gzipped: bytes | None = field(default=None, repr=False)
    _gzip_done: bool = field(default=False, repr=False)

    @property
    def etag(self) -> str:
        """The ETag of the plain bytes (the hash already names them)."""
        return self.digest

    def gzipped(self) -> bytes | None:
        """The gzipped bytes, made on first use; None when not worth it."""
        if not self._gzip_done:
            if (
                self.data is not None
                and self.path.suffix.lower() in COMPRESSIBLE
                and len(self.data) >= MIN_COMPRESS_BYTES
            ):
                packed = gzip.compress(self.data, compresslevel=STATIC_GZIP_LEVEL, mtime=0)
                if len(packed) < len(self.data):
                    self._gzipped = packed
            self._gzip_done = True
        return self._gzipped


def fingerprinted_name(filename: str, digest: str) -> str:
    """``css/app.css`` → ``css/app.<digest>.css`` (the hash before the last suffix)."""
    head, _, base = filename.rpartition("/")
    stem, dot, suffix = base.rpartition(".")
    name = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
    return f"{head}/{name}" if head else name


def _content_type(path: Path) -> str:
    """The Content-Type of a file, with a charset for text."""
    suffix = path.suffix.lower()
    mimetype = _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    mimetype = mimetype or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype in ("application/json", "image/svg+xml"):
        return f"{mimetype}; charset=utf-8"
    return mimetype


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    if not accept_encoding:
        return False
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


class StaticAssets:
    """The static folder of one app: hashes for URLs and the view that serves files."""

    def __init__(self, app: Flask) -> None:
        """Keep the app's static folder; nothing is read before it is needed."""
        assert app.static_folder is not None
        self.app = app
        self.root = Path(app.static_folder)
        self._assets: dict[str, Asset] = {}
        self._lock = threading.Lock()

    # -- finding files -------------------------------------------------------------
    def _path(self, filename: str) -> Path | None:
        """The file under the static folder by that name, or None (also for ``..``)."""
        joined = safe_join(str(self.root), filename)
        if joined is None or not os.path.isfile(joined):
            return None
        return Path(joined)

    def asset(self, filename: str) -> Asset | None:
        """The file by its plain name, read and hashed on first use; None if missing."""
        known = self._assets.get(filename)
        if known is not None and not self.app.debug:
            return known
        path = self._path(filename)
        if path is None:
            return None
        stat = path.stat()
        if known is not None and (known.mtime_ns, known.size) == (stat.st_mtime_ns, stat.st_size):
            return known
        with self._lock:
            data = path.read_bytes()
            asset = Asset(
                path=path,
                mtime_ns=stat.st_mtime_ns,
                size=len(data),
                digest=hashlib.sha256(data).hexdigest()[:HASH_LENGTH],
                content_type=_content_type(path),
                data=data if len(data) <= MAX_CACHED_BYTES else None,
            )
            self._assets[filename] = asset
        return asset

    def url_name(self, filename: str) -> str:
        """The fingerprinted name for ``filename``; the name itself when no such file."""
        asset = self.asset(filename)
        return fingerprinted_name(filename, asset.digest) if asset else filename

    def resolve(self, filename: str) -> tuple[Asset, bool] | None:
        """The asset a requested name means, and whether the name carries its hash.

        A name with a hash that is not the file's current one (a page of the previous
        release) gets today's file, revalidated rather than cached for a year.
        """
        asset = self.asset(filename)
        if asset is not None:
            return asset, False
        match = _FINGERPRINTED.match(filename)
        if match is None:
            return None
        plain = match["stem"] + (match["suffix"] or "")
        asset = self.asset(plain)
        if asset is None:
            return None
        return asset, asset.digest == match["digest"]

    # -- serving -------------------------------------------------------------------
    def serve(self, filename: str) -> Response:
        """The view behind ``/static/<path:filename>``."""
        found = self.resolve(filename)
        if found is None:
            abort(404)
        asset, exact = found
        if asset.data is None:
            return self._serve_from_disk(asset, exact)
        data, encoded = asset.data, False
        packed = asset.gzipped()
        # Ranges count bytes of the file itself: a range request gets the plain bytes.
        if (
            packed is not None
            and "Range" not in request.headers
            and accepts_gzip(request.headers.get("Accept-Encoding"))
        ):
            data, encoded = packed, True
        response = Response(
            wrap_file(request.environ, BytesIO(data)),
            mimetype=None,
            content_type=asset.content_type,
            direct_passthrough=True,
        )
        response.content_length = len(data)
        if encoded:
            response.headers["Content-Encoding"] = "gzip"
        if packed is not None:
            response.vary.add("Accept-Encoding")
        response.set_etag(asset.etag + ("-gz" if encoded else ""))
        response.last_modified = datetime.fromtimestamp(asset.mtime_ns / 1e9, tz=UTC)
        self._cache(response, exact)
        response.make_conditional(request, accept_ranges=True, complete_length=len(data))
        return response

    def _serve_from_disk(self, asset: Asset, exact: bool) -> Response:
        """A file too large to keep in memory: Flask's own file sending, our caching."""
        from flask import send_file

        response = send_file(asset.path, mimetype=asset.content_type, etag=asset.etag)
        self._cache(response, exact)
        return response

    @staticmethod
    def _cache(response: Response, exact: bool) -> None:
        """Immutable for a hashed name, revalidated for a plain one."""
        response.headers["Cache-Control"] = IMMUTABLE if exact else REVALIDATE


def compress_html(response: Response) -> Response:
    """Gzip an HTML response for a client that accepts it, when worth it and safe."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.mimetype != "text/html"
        or response.status_code < 200
        or response.status_code in (204, 206, 304)
        or "Content-Encoding" in response.headers
    ):
        return response
    response.vary.add("Accept-Encoding")
    if not accepts_gzip(request.headers.get("Accept-Encoding")):
        return response
    body = response.get_data()
    if len(body) < HTML_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=HTML_GZIP_LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


class StaticAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, left alone by static files.

    Flask marks the session as used whenever anything so much as looks at it (Flask-Login
    does after every request), and then sends ``Vary: Cookie``: a browser would keep a
    year-long file only until the session cookie changes (sign-in, any message shown).
    A static file never changes the session, so its response carries no cookie at all.
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save as Flask does, except for an untouched session on a static file."""
        if has_request_context() and request.endpoint == "static" and not session.modified:
            return
        super().save_session(app, session, response)


def init_assets(app: Flask) -> StaticAssets:
    """Serve ``/static`` through :class:`StaticAssets`, fingerprint its URLs, gzip pages."""
    assets = StaticAssets(app)
    app.extensions["presslog.assets"] = assets
    app.view_functions["static"] = assets.serve
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = StaticAwareSessionInterface()

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and isinstance(values.get("filename"), str):
            values["filename"] = assets.url_name(values["filename"])

    app.after_request(compress_html)
    return assets
