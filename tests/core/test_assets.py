"""Static files: fingerprinted names, long caching, gzip, 304, HEAD and Range; gzipped pages."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
from flask import Flask, Response, stream_with_context, url_for

from presslog.core.assets import (
    HASH_LENGTH,
    IMMUTABLE,
    accepts_gzip,
    fingerprinted_name,
    init_assets,
)

STATIC = Path(__file__).resolve().parents[2] / "presslog" / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]


def _hashed_url(app: Flask, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_url_for_puts_the_content_hash_in_the_name(app):
    url = _hashed_url(app, "css/app.css")
    assert url == f"/static/css/app.{_digest(STATIC / 'css' / 'app.css')}.css"
    vendor = _hashed_url(app, "vendor/bootstrap/bootstrap.min.css")
    digest = _digest(STATIC / "vendor/bootstrap/bootstrap.min.css")
    assert vendor == f"/static/vendor/bootstrap/bootstrap.min.{digest}.css"
    # A name no file has is left as it is (a 404, as before).
    assert _hashed_url(app, "css/no-such.css") == "/static/css/no-such.css"


def test_pages_link_their_static_files_by_hashed_name(client):
    page = client.get("/login").text
    links = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert links
    pattern = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}(\.[a-z0-9]+)?$")
    assert all(pattern.search(link) for link in links), links


def test_a_hashed_name_is_cached_for_a_year(app, client):
    url = _hashed_url(app, "js/app.js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["ETag"]
    assert response.data == (STATIC / "js" / "app.js").read_bytes()
    assert response.mimetype == "text/javascript"


def test_every_static_file_is_served_under_its_hashed_name(app, client):
    files = [p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*") if p.is_file()]
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in files
    for filename in files:
        response = client.get(_hashed_url(app, filename), headers=GZIP)
        assert response.status_code == 200, filename
        assert response.headers["Cache-Control"] == IMMUTABLE, filename
        body = response.data
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == (STATIC / filename).read_bytes(), filename
        response.close()


def test_gzip_for_a_client_that_accepts_it(app, client):
    original = (STATIC / "vendor/bootstrap/bootstrap.min.css").read_bytes()
    response = client.get(_hashed_url(app, "vendor/bootstrap/bootstrap.min.css"), headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert len(response.data) < len(original) / 4
    assert gzip.decompress(response.data) == original

    plain = client.get(_hashed_url(app, "vendor/bootstrap/bootstrap.min.css"))
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert plain.data == original
    assert plain.headers["ETag"] != response.headers["ETag"]

    refused = client.get(
        _hashed_url(app, "vendor/bootstrap/bootstrap.min.css"),
        headers={"Accept-Encoding": "gzip;q=0, identity"},
    )
    assert "Content-Encoding" not in refused.headers


def test_images_and_tiny_files_are_not_compressed(app, client):
    # favicon.svg is text, but too small for gzip to win anything.
    response = client.get(_hashed_url(app, "favicon.svg"), headers=GZIP)
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "favicon.svg").read_bytes()


def test_a_plain_name_is_revalidated_with_an_etag(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    again = client.get("/static/css/app.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    packed = client.get("/static/css/app.css", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    not_modified = client.get(
        "/static/css/app.css", headers={**GZIP, "If-None-Match": packed.headers["ETag"]}
    )
    assert not_modified.status_code == 304


def test_an_outdated_hash_gets_the_current_file_revalidated(client):
    # A page of the previous release asks for the old name: today's file, not for a year.
    response = client.get("/static/css/app.000000000000.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.data == (STATIC / "css" / "app.css").read_bytes()
    assert client.get("/static/css/nothing.000000000000.css").status_code == 404
    assert client.get("/static/js/no-such-file.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_head_sends_the_headers_only(app, client):
    url = _hashed_url(app, "vendor/htmx/htmx.min.js")
    get = client.get(url, headers=GZIP)
    head = client.head(url, headers=GZIP)
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Length", "Content-Encoding", "ETag", "Cache-Control", "Content-Type"):
        assert head.headers[name] == get.headers[name], name


def test_a_range_request_gets_plain_bytes(app, client):
    url = _hashed_url(app, "vendor/htmx/htmx.min.js")
    original = (STATIC / "vendor/htmx/htmx.min.js").read_bytes()
    response = client.get(url, headers={**GZIP, "Range": "bytes=10-29"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.headers["Content-Range"] == f"bytes 10-29/{len(original)}"
    assert response.headers["Content-Length"] == "20"
    assert response.data == original[10:30]
    assert client.get(url, headers={"Range": f"bytes={len(original) + 5}-"}).status_code == 416


def test_pages_are_gzipped_for_clients_that_accept_it(client):
    response = client.get("/login", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data)
    html = gzip.decompress(response.data).decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert html.rstrip().endswith("</html>")

    head = client.head("/login", headers=GZIP)
    assert head.headers["Content-Encoding"] == "gzip"
    assert head.data == b""

    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    assert plain.text.rstrip().endswith("</html>")


def _pages_app(app: Flask) -> Flask:
    """Three extra pages on the test app: a small one, a streamed one, an encoded one."""

    @app.get("/_test/small")
    def small() -> str:
        return "<p>Short.</p>"

    @app.get("/_test/streamed")
    def streamed() -> Response:
        def rows() -> Iterator[str]:
            for n in range(500):
                yield f"<p>row {n}</p>\n"

        return Response(stream_with_context(rows()), mimetype="text/html")

    @app.get("/_test/encoded")
    def encoded() -> Response:
        response = Response(b"x" * 4000, mimetype="text/html")
        response.headers["Content-Encoding"] = "br"
        return response

    return app


def test_small_streamed_and_encoded_answers_are_left_alone(app):
    client = _pages_app(app).test_client()
    small = client.get("/_test/small", headers=GZIP)
    assert "Content-Encoding" not in small.headers
    assert small.text == "<p>Short.</p>"

    streamed = client.get("/_test/streamed", headers=GZIP)
    assert "Content-Encoding" not in streamed.headers
    assert streamed.text.count("<p>row") == 500

    encoded = client.get("/_test/encoded", headers=GZIP)
    assert encoded.headers["Content-Encoding"] == "br"
    assert encoded.data == b"x" * 4000


def test_a_csv_export_streams_uncompressed(as_role):
    response = as_role("manager").get("/reports/due-outs.csv", headers=GZIP)
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    response.close()


def _mini_app(folder: Path) -> Flask:
    mini = Flask("mini", static_folder=str(folder), static_url_path="/static")
    init_assets(mini)
    return mini


def test_debug_recomputes_the_hash_when_the_file_changes(tmp_path):
    css = tmp_path / "site.css"
    css.write_text("body { color: red; }")
    mini = _mini_app(tmp_path)
    mini.debug = True
    first = _hashed_url(mini, "site.css")
    css.write_text("body { color: blue; } /* longer */")
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 10**9))
    second = _hashed_url(mini, "site.css")
    assert first != second
    assert mini.test_client().get(second).text == "body { color: blue; } /* longer */"


def test_without_debug_the_hash_is_computed_once(tmp_path):
    css = tmp_path / "site.css"
    css.write_text("body { color: red; }")
    mini = _mini_app(tmp_path)
    first = _hashed_url(mini, "site.css")
    css.write_text("body { color: blue; } /* longer */")
    assert _hashed_url(mini, "site.css") == first


def test_relative_references_inside_css_still_resolve(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "shop.woff2").write_bytes(b"wOF2" + bytes(200))
    (tmp_path / "css" / "site.css").write_text(
        '@font-face { font-family: Shop; src: url("../fonts/shop.woff2") format("woff2"); }'
    )
    mini = _mini_app(tmp_path)
    client = mini.test_client()
    css_url = _hashed_url(mini, "css/site.css")
    css = client.get(css_url).text
    reference = re.search(r'url\("([^"]+)"\)', css)
    assert reference
    font = client.get(urljoin(css_url, reference.group(1)))
    assert font.status_code == 200
    assert font.mimetype == "font/woff2"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("css/app.css", "css/app.0123456789ab.css"),
        ("vendor/x/bootstrap.min.js", "vendor/x/bootstrap.min.0123456789ab.js"),
        ("LICENSE", "LICENSE.0123456789ab"),
    ],
)
def test_fingerprinted_name(name, expected):
    assert fingerprinted_name(name, "0123456789ab") == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*", True),
        ("", False),
        (None, False),
    ],
)
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


def test_a_file_too_large_to_keep_in_memory_is_sent_from_disk(tmp_path, monkeypatch):
    monkeypatch.setattr("presslog.core.assets.MAX_CACHED_BYTES", 100)
    (tmp_path / "big.js").write_text("var x = 1;\n" * 50)
    mini = _mini_app(tmp_path)
    client = mini.test_client()
    url = _hashed_url(mini, "big.js")
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Encoding" not in response.headers
    assert response.text == "var x = 1;\n" * 50
    response.close()
    plain = client.get("/static/big.js")
    assert plain.headers["Cache-Control"] == "no-cache"
    assert (
        client.get("/static/big.js", headers={"If-None-Match": plain.headers["ETag"]}).status_code
        == 304
    )
    plain.close()


def test_static_files_do_not_vary_on_the_session_cookie(app, as_role):
    client = as_role("staff")
    page = client.get("/orders")
    assert "Cookie" in page.headers["Vary"]
    response = client.get(_hashed_url(app, "css/app.css"), headers=GZIP)
    assert "Cookie" not in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    # The session still works on the next page.
    assert client.get("/orders").status_code == 200
