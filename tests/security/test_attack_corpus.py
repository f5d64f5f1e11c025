"""Attack corpus: hostile values sent to every form and every API write of orders,
customers and sign-in, and to the lists' search and paging.

For each (field, value) the answer is either a 4xx that names the field and stores
nothing, or a success that stores the text as given (normalized as the field's rule
says) and shows it escaped. Never a 5xx, never the raw ``<script>alert(1)</script>``
in a page. (JSON answers may carry it: they are ``application/json`` with ``nosniff``,
which no browser renders as HTML.)
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from presslog.extensions import db
from tests.conftest import csrf_from, login
from tests.factories import CustomerFactory, OrderFactory, ShipToAddressFactory
from tests.helpers import form_data, invalid_controls, page_text

# -- the corpus -------------------------------------------------------------------------

PAYLOADS: dict[str, Any] = {
    # script and HTML injection
    "script": "<script>alert(1)</script>",
    "img": '"><img src=x onerror=alert(1)>',
    # SQL injection
    "sql_or": "' OR '1'='1",
    "sql_drop": "1; DROP TABLE orders;--",
    # paths, bytes, size
    "traversal": "../../etc/passwd",
    "nul": "a\x00b",
    "overlong": "A" * 10_000,
    # odd Unicode
    "rtl": "abc\u202edef",
    "zwj": "a\u200db",
    "combining": "e\u0301\u0301\u0301",
    "emoji": "🎉👍🏽",
    # numbers no field accepts
    "huge_float": "1e308",
    "huge_int": str(10**40),
    "negative": "-1",
    "nan": "NaN",
    "infinity": "Infinity",
    "snan": "sNaN",
    # JSON only: the wrong type
    "list": ["x"],
    "object": {"x": "y"},
    "number": 12345,
    "float": 1e308,
    "big_int": 10**40,
    "boolean": True,
    "bool_string": "true",
    "lone_surrogate": "\ud800",
}
XSS = ("script", "img")
RAW_XSS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
HOSTILE = (*XSS, "sql_or", "sql_drop", "traversal", "nul", "overlong")
UNICODE = ("rtl", "zwj", "combining", "emoji")
NUMERIC = ("huge_float", "huge_int", "negative", "nan", "infinity", "snan")

# The values each kind of field gets: text any form can send, and (API only) values of
# the wrong JSON type.
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "text": (
        (*HOSTILE, *UNICODE, "huge_int", "nan"),
        ("list", "object", "number", "boolean", "bool_string", "lone_surrogate"),
    ),
    "code": ((*HOSTILE, *UNICODE, "huge_float", "negative", "nan"), ("list", "number")),
    "number": (
        ("script", "sql_or", "nul", "overlong", "emoji", *NUMERIC),
        ("list", "object", "float", "big_int", "boolean", "bool_string"),
    ),
    "choice": (
        ("script", "sql_or", "nul", "overlong", "rtl", "negative"),
        ("list", "number", "boolean"),
    ),
    "date": (
        ("script", "traversal", "nul", "combining", "huge_int", "negative"),
        ("number", "object", "boolean"),
    ),
    "version": (
        ("script", "sql_or", "nul", "huge_int", "negative", "nan", "huge_float"),
        ("list", "float", "big_int", "boolean"),
    ),
    "bool": (("script",), ("list", "object", "number", "bool_string")),
    "object": (("script",), ("list", "object", "number", "boolean")),
    # a record's key in the address (/orders/<log>/restore)
    "path": ((*HOSTILE, *UNICODE, "huge_float", "negative"), ()),
}
# Kinds whose field may legitimately hold these strings, with how the rule stores them.
TEXT_KINDS: dict[str, Callable[[str], str]] = {"text": str, "code": str.upper}


def payloads(kind: str, api: bool) -> tuple[str, ...]:
    strings, wrong_types = KINDS[kind]
    return strings + wrong_types if api else strings


def expected_value(kind: str, value: Any) -> tuple[bool, Any]:
    """(whether a success is acceptable, the value it must store)."""
    if kind == "bool" and value == "true":
        return True, True
    storable = isinstance(value, str) and "\x00" not in value and "\ud800" not in value
    if kind in TEXT_KINDS and storable:
        return True, TEXT_KINDS[kind](value.strip())
    return False, None


# -- sending ------------------------------------------------------------------------


@dataclass
class Ctx:
    """Clients and the pages already read, while one target takes the corpus."""

    app: Flask
    web: FlaskClient
    api: Any
    n: int = 0
    pages: dict[str, Any] = field(default_factory=dict)

    def next_key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:04d}"

    def page(self, url: str, *, fresh: bool = False) -> Any:
        """A page as served (kept, so its form can be sent again without reading it)."""
        if fresh or url not in self.pages:
            self.pages[url] = self.web.get(url)
        return self.pages[url]

    def form(self, url: str, has: str) -> dict[str, str]:
        page = self.page(url)
        assert page.status_code == 200, (url, page.status_code)
        return form_data(page.text, has=has)

    @property
    def csrf(self) -> str:
        return csrf_from(self.page("/orders").text)


Send = Callable[[Ctx, str, Any], Any]


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Put ``value`` at a dotted path (``charges.0.unit_price``) of a JSON body."""
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return body


def _get(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[int(part)] if part.isdigit() else body[part]
    return body


def _in_path(value: Any) -> str:
    return quote(str(value)[:200], safe="")


# web: orders


def _web_order_new(ctx: Ctx, name: str, value: Any) -> Any:
    data = ctx.form("/orders/new", "log")
    data.update({"log": ctx.next_key("Z"), "customer": "CEN15", "job_type": "TR"})
    data.update({"title": "Shirts", "quantity": "48", name: value})
    return ctx.web.post("/orders/new", data=data)


def _web_order_edit(ctx: Ctx, name: str, value: Any) -> Any:
    data = ctx.form("/orders/10234/edit", "version")
    data[name] = value
    return ctx.web.post("/orders/10234/edit", data=data)


def _web_order_actions(ctx: Ctx, name: str, value: Any) -> Any:
    data = {"csrf_token": ctx.csrf, "status": "art", "version": "1"}
    if name == "status":
        return ctx.web.post("/orders/10234/status", data={**data, "status": value})
    if name == "status version":
        return ctx.web.post("/orders/10234/status", data={**data, "version": value})
    if name == "delete version":
        return ctx.web.post("/orders/10234/delete", data={**data, "version": value})
    action = name.split()[0]
    return ctx.web.post(f"/orders/{_in_path(value)}/{action}", data=data)


# web: customers


def _web_customer_new(ctx: Ctx, name: str, value: Any) -> Any:
    data = ctx.form("/customers/new", "code")
    data.update({"code": ctx.next_key("Z"), "name": "Acme Screen Print", name: value})
    return ctx.web.post("/customers/new", data=data)


def _web_customer_edit(ctx: Ctx, name: str, value: Any) -> Any:
    data = ctx.form("/customers/CEN15/edit", "version")
    data[name] = value
    return ctx.web.post("/customers/CEN15/edit", data=data)


def _web_customer_actions(ctx: Ctx, name: str, value: Any) -> Any:
    data = {"csrf_token": ctx.csrf, "version": "1"}
    if name == "delete version":
        return ctx.web.post("/customers/CEN15/delete", data={**data, "version": value})
    action = name.split()[0]
    return ctx.web.post(f"/customers/{_in_path(value)}/{action}", data=data)


# web: sign-in


def _sign_in(ctx: Ctx, name: str, value: Any) -> Any:
    # Each attempt from its own address and for its own account, so the sign-in limits
    # (per address, per account) do not turn the corpus into a list of 429s.
    n = ctx.next_key("")
    anonymous = ctx.app.test_client()
    anonymous.environ_base["REMOTE_ADDR"] = f"10.9.{int(n) // 250}.{int(n) % 250}"
    token = csrf_from(anonymous.get("/login").text)
    data = {"login": f"nobody{n}", "password": "not the password", "csrf_token": token}
    return anonymous.post("/login", data={**data, name: value})


# API: orders. A request carries only the field under attack (inside a valid parent
# record) and what a new order requires.

ORDER_PARTS: dict[str, Any] = {
    "charges": [{"kind": "print", "quantity": "24", "unit_price": "4.50"}],
    "art_proofs": [{"slot": 1, "code": "A1", "amount": "25.00"}],
    "shipment": {"method": "UPS", "carrier": "1", "weight": "3.50"},
    "billing_address": {"line1": "1 Main St", "city": "Columbus", "state": "OH"},
    "ship_to": [{"line1": "9 Dock Rd", "city": "Dublin", "zip": "43017"}],
}


def _body(required: dict[str, Any], name: str, value: Any) -> Any:
    top = name.split(".")[0]
    part = {top: deepcopy(ORDER_PARTS[top])} if top in ORDER_PARTS else {}
    return _set({**required, **part}, name, value)


def _api_order_create(ctx: Ctx, name: str, value: Any) -> Any:
    required = {"log": ctx.next_key("Y"), "customer": "CEN15", "job_type": "TR"}
    required.update({"title": "Shirts", "received_on": date.today().isoformat()})
    return ctx.api.post("/api/v1/orders", json=_body(required, name, value))


def _api_order_patch(ctx: Ctx, name: str, value: Any) -> Any:
    if name == "version":
        return ctx.api.patch("/api/v1/orders/10234", json={"title": "x", "version": value})
    body = _body({}, name, value)
    return ctx.api.patch("/api/v1/orders/10234", json=body, headers={"If-Match": "*"})


def _api_order_actions(ctx: Ctx, name: str, value: Any) -> Any:
    status = {"status": "art", "note": "checked"}
    if name == "note":  # a step the workflow allows from where the order is now
        now = ctx.api.get("/api/v1/orders/10234").get_json()["status"]
        status["status"] = "art" if now == "received" else "received"
    if name in ("status", "note"):
        body = {**status, name: value}
        return ctx.api.post("/api/v1/orders/10234/status", json=body, headers={"If-Match": "*"})
    if name == "status version":
        return ctx.api.post("/api/v1/orders/10234/status", json={**status, "version": value})
    return _api_path(ctx, "orders", name, value, {"title": "x"})


def _api_path(ctx: Ctx, collection: str, name: str, value: Any, body: Any) -> Any:
    """A write to a record whose key is the hostile value: restore, change or delete."""
    url = f"/api/v1/{collection}/{_in_path(value)}"
    match name:
        case "restore path":
            return ctx.api.post(f"{url}/restore", headers={"If-Match": "*"})
        case "delete path":
            return ctx.api.delete(url, headers={"If-Match": "*"})
    return ctx.api.patch(url, json=body, headers={"If-Match": "*"})


# API: customers


def _api_customer_create(ctx: Ctx, name: str, value: Any) -> Any:
    required = {"code": ctx.next_key("Y"), "name": "Acme Screen Print"}
    return ctx.api.post("/api/v1/customers", json=_body(required, name, value))


def _api_customer_patch(ctx: Ctx, name: str, value: Any) -> Any:
    if name == "version":
        return ctx.api.patch("/api/v1/customers/CEN15", json={"name": "x", "version": value})
    body = _body({}, name, value)
    return ctx.api.patch("/api/v1/customers/CEN15", json=body, headers={"If-Match": "*"})


def _api_customer_actions(ctx: Ctx, name: str, value: Any) -> Any:
    return _api_path(ctx, "customers", name, value, {"name": "x"})


# -- the targets --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A form or an API write and its fields to attack, with their kinds."""

    name: str
    send: Send
    fields: tuple[tuple[str, str], ...]
    api: bool
    # Which record a success changed: (API URL to read it, page that shows it).
    record: Callable[[Any], tuple[str, str]] | None = None
    # Tables a refusal must leave alone (a failed sign-in is audited and counted).
    watched: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return self.name


def _created_order(response: Any) -> tuple[str, str]:
    if response.is_json:
        log = response.get_json()["log"]
    else:
        log = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    return f"/api/v1/orders/{log}", f"/orders/{log}"


def _created_customer(response: Any) -> tuple[str, str]:
    if response.is_json:
        code = response.get_json()["code"]
    else:
        code = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    return f"/api/v1/customers/{code}", f"/customers/{code}"


def _order_10234(_response: Any) -> tuple[str, str]:
    return "/api/v1/orders/10234", "/orders/10234"


def _customer_cen15(_response: Any) -> tuple[str, str]:
    return "/api/v1/customers/CEN15", "/customers/CEN15"


DOMAIN_TABLES = (
    "orders",
    "customers",
    "ship_to_addresses",
    "charges",
    "art_proofs",
    "print_items",
    "setup_items",
    "pack_items",
    "shipments",
    "status_changes",
    "users",
    "audit_events",
)
PATHS = ("delete path", "restore path")

TARGETS = [
    Target(
        "web order new",
        _web_order_new,
        (
            ("log", "code"),
            ("title", "text"),
            ("charges-0-unit_price", "number"),
            ("job_type", "choice"),
            ("received_on", "date"),
        ),
        api=False,
        record=_created_order,
    ),
    Target(
        "web order edit",
        _web_order_edit,
        (
            ("customer", "code"),
            ("art_proofs-0-code", "text"),
            ("shipment-weight", "number"),
            ("version", "version"),
        ),
        api=False,
        record=_order_10234,
    ),
    Target(
        "web order status delete restore",
        _web_order_actions,
        (
            ("status", "choice"),
            ("status version", "version"),
            ("delete version", "version"),
            *((p, "path") for p in (*PATHS, "status path")),
        ),
        api=False,
    ),
    Target(
        "web customer new",
        _web_customer_new,
        (
            ("code", "code"),
            ("name", "text"),
            ("email", "text"),
            ("billing_address-state", "code"),
            ("customer_since", "date"),
        ),
        api=False,
        record=_created_customer,
    ),
    Target(
        "web customer edit",
        _web_customer_edit,
        (
            ("notes", "text"),
            ("phone", "text"),
            ("ship_to-0-zip", "text"),
            ("version", "version"),
        ),
        api=False,
        record=_customer_cen15,
    ),
    Target(
        "web customer delete restore",
        _web_customer_actions,
        (("delete version", "version"), *((p, "path") for p in PATHS)),
        api=False,
    ),
    Target(
        "web sign-in",
        _sign_in,
        (("login", "text"), ("password", "text")),
        api=False,
        watched=tuple(t for t in DOMAIN_TABLES if t not in ("users", "audit_events")),
    ),
    Target(
        "api order create",
        _api_order_create,
        (
            ("log", "code"),
            ("customer", "code"),
            ("title", "text"),
            ("customer_note", "text"),
            ("priority", "number"),
            ("rush", "bool"),
            ("job_type", "choice"),
            ("due_on", "date"),
            ("charges", "object"),
            ("charges.0.kind", "choice"),
            ("charges.0.unit_price", "number"),
            ("art_proofs.0.slot", "number"),
            ("shipment", "object"),
            ("shipment.method", "text"),  # the API keeps its case, as its rule says
        ),
        api=True,
        record=_created_order,
    ),
    Target(
        "api order patch",
        _api_order_patch,
        (
            ("customer", "code"),
            ("title", "text"),
            ("artist", "code"),
            ("quantity", "number"),
            ("received_on", "date"),
            ("charges.0.quantity", "number"),
            ("art_proofs.0.code", "text"),
            ("shipment.weight", "number"),
            ("version", "version"),
        ),
        api=True,
        record=_order_10234,
    ),
    Target(
        "api order status restore",
        _api_order_actions,
        (
            ("status", "choice"),
            ("note", "text"),
            ("status version", "version"),
            *((p, "path") for p in (*PATHS, "patch path")),
        ),
        api=True,
    ),
    Target(
        "api customer create",
        _api_customer_create,
        (
            ("code", "code"),
            ("name", "text"),
            ("email", "text"),
            ("phone", "text"),
            ("customer_since", "date"),
            ("billing_address", "object"),
            ("billing_address.city", "text"),
            ("ship_to", "object"),
            ("ship_to.0.zip", "text"),
        ),
        api=True,
        record=_created_customer,
    ),
    Target(
        "api customer patch",
        _api_customer_patch,
        (
            ("name", "text"),
            ("contact", "text"),
            ("notes", "text"),
            ("billing_address.state", "text"),
            ("ship_to.0.line1", "text"),
            ("version", "version"),
        ),
        api=True,
        record=_customer_cen15,
    ),
    Target(
        "api customer delete restore",
        _api_customer_actions,
        tuple((p, "path") for p in (*PATHS, "patch path")),
        api=True,
    ),
]


# -- checking -------------------------------------------------------------------------


def snapshot(names: tuple[str, ...]) -> tuple[Any, ...]:
    """Row counts, version sums and trash counts: any stored change moves one of them."""
    db.session.rollback()
    tables = {t.name: t for t in db.metadata.sorted_tables}
    columns: list[Any] = []
    for name in names:
        table = tables[name]
        columns.append(sa.select(sa.func.count()).select_from(table).scalar_subquery())
        if "version" in table.c:
            columns.append(sa.select(sa.func.sum(table.c.version)).scalar_subquery())
        if "deleted_at" in table.c:
            columns.append(
                sa.select(sa.func.count(table.c.deleted_at)).select_from(table).scalar_subquery()
            )
    row = db.session.execute(sa.select(*columns)).one()
    db.session.rollback()
    return tuple(row)


def _raw_xss_in(response: Any) -> str | None:
    if response.mimetype != "text/html":
        return None
    body = response.get_data(as_text=True)
    return next((raw for raw in RAW_XSS if raw in body), None)


def _names_field(response: Any, name: str, api: bool) -> bool:
    """Whether a refusal says which field is wrong."""
    name = "version" if name.endswith(" version") else name
    if api:
        keys = list((response.get_json(silent=True) or {}).get("errors") or {})
        return any(k == name or k.startswith(name + ".") or name.startswith(k + ".") for k in keys)
    page = response.get_data(as_text=True)
    return name in invalid_controls(page) or name in page_text(page)


def refusal_problem(response: Any, target: Target, name: str, kind: str) -> str | None:
    """Why this 4xx is not a clear refusal (None when it is)."""
    status = response.status_code
    if target.api and response.mimetype != "application/problem+json":
        return f"{status} is not problem+json"
    if kind == "path":
        return None if status == 404 else f"a bad address answered {status}, not 404"
    if kind == "version" and status == 409:
        return None  # not the current version: "changed by someone else meanwhile"
    if name == "status" and status == 409:
        return None  # not a step the workflow allows from here
    if target.name == "web sign-in":
        return None if status in (401, 422) else f"sign-in answered {status}"
    if status != 422:
        return f"answered {status}, not 422"
    if not _names_field(response, name, target.api):
        return "the answer does not name the field"
    return None


def success_problems(
    ctx: Ctx, target: Target, response: Any, name: str, kind: str, payload: str
) -> list[str]:
    """A success stored the value as the rule says, and its pages escape it."""
    acceptable, expected = expected_value(kind, PAYLOADS[payload])
    if not acceptable:
        return [f"accepted it in a {kind} field ({response.status_code})"]
    if target.record is None:
        return []
    problems = []
    api_url, page_url = target.record(response)
    stored = _get(ctx.api.get(api_url).get_json(), name.replace("-", "."))
    if stored != expected:
        problems.append(f"stored {stored!r:.60} instead of {expected!r:.60}")
    edit_url = page_url + "/edit"
    if not target.api and edit_url in ctx.pages:
        ctx.page(edit_url, fresh=True)  # the form now carries the new version
    if payload in XSS:
        page = ctx.page(page_url, fresh=True)
        text = page.get_data(as_text=True)
        if str(escape(expected)) not in text and html.escape(expected) not in text:
            problems.append(f"{page_url} does not show the stored value escaped")
    return problems


def _cases() -> Iterator[Any]:
    for target in TARGETS:
        yield pytest.param(target, id=target.name)


@pytest.mark.parametrize("target", list(_cases()))
def test_hostile_input_is_refused_or_stored_safely(app, make_user, api, target):
    customer = CustomerFactory(code="CEN15", name="Central High Boosters")
    ShipToAddressFactory(customer=customer)
    OrderFactory(log="10234", customer=customer)
    db.session.commit()
    web = app.test_client()
    assert login(web, make_user("admin").username).status_code == 302
    ctx = Ctx(app=app, web=web, api=api("admin"))
    watched = target.watched or DOMAIN_TABLES
    problems: list[str] = []
    for name, kind in target.fields:
        for payload in payloads(kind, target.api):
            before = snapshot(watched)
            response = target.send(ctx, name, PAYLOADS[payload])
            where = f"{name} = {payload}"
            raw = _raw_xss_in(response)
            if raw:
                problems.append(f"{where}: the answer shows {raw!r} unescaped")
            if response.status_code >= 500:
                problems.append(f"{where}: server error {response.status_code}")
            elif response.status_code >= 400:
                if snapshot(watched) != before:
                    problems.append(f"{where}: refused ({response.status_code}) yet stored")
                why = refusal_problem(response, target, name, kind)
                if why:
                    body = response.get_data(as_text=True)
                    problems.append(f"{where}: {why}: {page_text(body)[:200]}")
            else:
                found = success_problems(ctx, target, response, name, kind, payload)
                problems.extend(f"{where}: {p}" for p in found)
    # Every page that lists or shows what was stored, once more: nothing raw.
    for url in ("/orders", "/customers", "/orders/10234", "/customers/CEN15", *ctx.pages):
        raw = _raw_xss_in(ctx.web.get(url))
        if raw:
            problems.append(f"{url} shows {raw!r} unescaped")
    assert not problems, "\n".join(problems)


LIST_PARAMS = {
    "/orders": ("q", "customer", "status", "job_type", "due_from", "sort", "page", "per_page"),
    "/customers": ("q", "city", "state", "sort", "page", "per_page"),
}
QUERY_PAYLOADS = ("script", "img", "sql_or", "traversal", "nul", "overlong", "rtl", "huge_int")


@pytest.mark.parametrize("area", ["/orders", "/customers"])
def test_searches_and_paging_take_hostile_query_values(app, as_role, api, area):
    """Lists echo their filters back (search box, paging links): escaped, never a 5xx."""
    OrderFactory(log="10234", customer=CustomerFactory(code="CEN15"))
    db.session.commit()
    web, token = as_role("viewer"), api("viewer")
    problems = []
    for name in LIST_PARAMS[area]:
        for payload in QUERY_PAYLOADS:
            query = {name: PAYLOADS[payload]}
            page = web.get(area, query_string=query)
            answer = token.get(f"/api/v1{area}?{urlencode(query)}")
            where = f"{area}?{name}={payload}"
            raw = _raw_xss_in(page)
            if raw:
                problems.append(f"{where}: the page shows {raw!r} unescaped")
            if page.status_code not in (200, 422):
                problems.append(f"{where}: the page answered {page.status_code}")
            if answer.status_code not in (200, 422):
                problems.append(f"{where}: the API answered {answer.status_code}")
            elif answer.status_code == 422 and not _names_field(answer, name, api=True):
                problems.append(f"{where}: the API refusal does not name {name}")
    assert not problems, "\n".join(problems)


def test_the_corpus_covers_every_write_of_orders_customers_and_sign_in(app):
    """A new form or API write in these areas must be added to TARGETS."""
    covered_web = {
        "orders.create",
        "orders.edit",
        "orders.change_status",
        "orders.delete",
        "orders.restore",
        "orders.undo_delete",  # tests/core/test_feedback.py: hostile tokens and addresses
        "customers.create",
        "customers.edit",
        "customers.delete",
        "customers.restore",
        "customers.undo_delete",  # as orders.undo_delete
        "auth.login",
        "auth.logout",  # takes no input
    }
    covered_api = {
        ("orders_api.Orders", "POST"),
        ("orders_api.OrderItem", "PATCH"),
        ("orders_api.OrderItem", "DELETE"),  # no body; its address is attacked
        ("orders_api.OrderStatus", "POST"),
        ("orders_api.OrderRestore", "POST"),
        ("customers_api.Customers", "POST"),
        ("customers_api.CustomerItem", "PATCH"),
        ("customers_api.CustomerItem", "DELETE"),
        ("customers_api.CustomerRestore", "POST"),
    }
    web, api_writes = set(), set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        methods = (rule.methods or set()) & {"POST", "PATCH", "PUT", "DELETE"}
        if not methods:
            continue
        if blueprint in ("orders", "customers", "auth"):
            web.add(rule.endpoint)
        if blueprint in ("orders_api", "customers_api"):
            api_writes |= {(rule.endpoint, m) for m in methods}
    assert web <= covered_web
    assert api_writes <= covered_api
