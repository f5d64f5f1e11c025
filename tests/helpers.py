"""Helpers shared by the tests: problem+json assertions and reading pages as a browser."""

from __future__ import annotations

import html as htmllib
import re
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import event

from presslog.extensions import db


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    assert body["detail"]
    return body


# -- pages, read as a browser would ------------------------


class _FormParser(HTMLParser):
    """Collects each form's fields as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        usable = bool(name) and "disabled" not in a  # disabled controls are not sent
        if tag == "input" and usable:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][name] = a.get("value") or "on"
                return
            self._form["fields"][name] = a.get("value") or ""
        elif tag == "select":
            self._select = {"name": name if usable else None, "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value
        elif tag == "textarea" and usable:
            self._textarea = [str(name), ""]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            select_, self._select = self._select, None
            if select_["name"] and self._form is not None:
                chosen = select_["chosen"] if select_["chosen"] is not None else select_["first"]
                self._form["fields"][select_["name"]] = chosen or ""
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            self._textarea = None
            self._form["fields"][name] = text.removeprefix("\r\n").removeprefix("\n")


def form_data(
    page: str, *, action: str | None = None, has: str | None = None, **match: Any
) -> dict[str, str]:
    """What the browser would submit for the first form on ``page`` that posts to
    ``action``, has a field ``has`` and whose fields hold the values in ``match``."""
    parser = _FormParser()
    parser.feed(page)
    for form in parser.forms:
        fields = form["fields"]
        if action is not None and form["attrs"].get("action") != action:
            continue
        if has is not None and has not in fields:
            continue
        if all(fields.get(k) == str(v) for k, v in match.items()):
            return dict(fields)
    raise AssertionError(f"no form with action={action!r} has={has!r} {match} on the page")


CONTROL = r'<(?:input|select|textarea)\b[^>]*\bname="{}"[^>]*>'
FEEDBACK = re.compile(r'<div class="invalid-feedback"[^>]*>(.*?)</div>', re.S)


def error_beside(page: str, name: str) -> str:
    """The message shown next to the control ``name`` (which must be marked invalid)."""
    tag = re.search(CONTROL.format(re.escape(name)), page)
    assert tag, f"no control named {name!r} on the page"
    assert "is-invalid" in tag.group(0), f"{name!r} is not marked invalid"
    feedback = FEEDBACK.search(page, tag.end())
    assert feedback, f"no message after {name!r}"
    return htmllib.unescape(feedback.group(1)).strip()


def invalid_controls(page: str) -> set[str]:
    """Names of the controls the page marks invalid."""
    return {
        m.group(1)
        for m in re.finditer(CONTROL.format('([^"]+)'), page)
        if "is-invalid" in m.group(0)
    }


def page_text(page: str) -> str:
    """The page's visible text, tags removed and spaces collapsed."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def link(page: str, rel: str) -> dict[str, list[str]]:
    """The query of a pagination link (rel=next/prev)."""
    match = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    assert match, f"no {rel} link"
    return parse_qs(urlsplit(htmllib.unescape(match.group(1))).query)


def sort_link(page: str, label: str) -> tuple[dict[str, list[str]], str | None]:
    """The query of a column's sort link and the column's aria-sort."""
    match = re.search(
        rf'<th scope="col"[^>]*?(?:aria-sort="(\w+)")?>\s*'
        rf'<a class="sort-link" href="([^"]+)">{label}\b',
        page,
    )
    assert match, f"no sort link for {label}"
    return parse_qs(urlsplit(htmllib.unescape(match.group(2))).query), match.group(1)


def audit_events(action: str | None = None, **where: Any) -> list[Any]:
    """The audit log as stored now, oldest first, optionally filtered by column values."""
    from sqlalchemy import select

    from presslog.audit.models import AuditEvent
    from presslog.extensions import db

    db.session.expire_all()
    if action is not None:
        where["action"] = action
    stmt = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(db.session.execute(stmt).scalars())


def stored_user(username: str) -> Any:
    """The user called ``username`` as the database holds it now (deleted or not)."""
    from sqlalchemy import select

    from presslog.extensions import db
    from presslog.users.models import User

    db.session.expire_all()
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def named_user(username: str, role: str = "staff", **kwargs: Any) -> Any:
    """A committed user called ``username`` (password: conftest.PASSWORD)."""
    from presslog.extensions import db
    from tests.factories import UserFactory

    made = UserFactory(username=username, role=role, **kwargs)
    db.session.commit()
    return made


def wait_until_healthy(
    url: str,
    server: subprocess.Popen[bytes],
    output: Callable[[], str] = lambda: "",
    *,
    seconds: float = 60,
) -> None:
    """Poll ``url``/healthz until it answers 200; fail with the server's ``output`` if
    the server exits or does not get there in time (a busy two-core CI machine can take
    a while to start gunicorn)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the server stopped: {output()}"
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"PressLog did not become healthy in time: {output()}")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
