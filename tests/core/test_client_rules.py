"""The browser says what the server says: every form field, every rule, word for word.

Every WTForms form in the app is found by walking the package (a new form cannot be
missed). Each field is rendered, and for a battery of typed values the server's errors
(the form's own validation) are compared with the message the browser layer would show
from the rendered attributes. The function :func:`client_message` follows
``messageFor`` in presslog/static/js/app.js step for step.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import pkgutil
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import Field, Form
from wtforms.fields import FieldList, FormField

import presslog

SKIPPED_TYPES = {"HiddenField", "CSRFTokenField", "BooleanField", "SubmitField"}
TEXT_PROBES = [
    "",
    "   ",
    "a",
    "ab",
    "abc",
    "Bob",
    "bob.smith",
    "ABCDE",
    "cen15",
    "CEN1",
    "AB 12",
    "AB12!",
    "555-0100",
    "phone#1",
    "name@example.com",
    "not an e-mail",
    "a@b",
    "first long password",
    *("x" * n for n in (6, 8, 11, 12, 31, 41, 81, 101, 121, 201, 256, 2001)),
]
NUMBER_PROBES = ["", "   ", "abc", "NaN", "-1", "0", "1", "1.5", "9", "10", "99", "100", "1001"]
NUMBER_PROBES += ["10000000", "10000001", "99999999.999", "100000000", "1e20"]
DATE_PROBES = ["", "2026-03-01", "not a date", "2026-02-30"]
EARLY, LATE = "2026-03-01", "2026-03-10"
PASSWORDS = ("first long password 1", "second long password 2")


def form_classes() -> list[type[Form]]:
    """Every WTForms form class defined in the presslog package."""
    for info in pkgutil.walk_packages(presslog.__path__, "presslog."):
        if (
            info.ispkg
            or "migrations" in info.name
            or not info.name.rpartition(".")[2].isidentifier()
        ):
            continue
        spec = importlib.util.find_spec(info.name)
        source = spec.origin if spec else None
        if source and source.endswith(".py"):
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
            if "wtforms" in text or "flask_wtf" in text:
                importlib.import_module(info.name)

    def walk(cls: type[Form]) -> Iterator[type[Form]]:
        sub: type[Form]
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    found = {c for c in walk(Form) if c.__module__.startswith("presslog.")}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORMS = form_classes()


class _Attrs(HTMLParser):
    """The attributes of the one control a field renders."""

    def __init__(self) -> None:
        super().__init__()
        self.tag = ""
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "select", "textarea") and not self.tag:
            self.tag, self.attrs = tag, {k: v if v is not None else "" for k, v in attrs}


def leaves(form: Form) -> Iterator[Field]:
    """The form's fields a person types into (through sub-forms and rows)."""
    for fld in form:
        if isinstance(fld, FormField):
            yield from leaves(fld.form)
        elif isinstance(fld, FieldList):
            for entry in fld.entries:
                yield from leaves(entry.form) if isinstance(entry, FormField) else [entry]
        elif fld.type not in SKIPPED_TYPES:
            yield fld


def control(fld: Field) -> dict[str, str]:
    """The rendered control's attributes (``tag`` and ``type`` included)."""
    parser = _Attrs()
    parser.feed(str(fld()))
    return {"tag": parser.tag, **parser.attrs}


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return None if number != number else number  # "NaN" is no number to the browser


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def browser_value(attrs: dict[str, str], typed: str) -> tuple[str, bool]:
    """What the control holds after ``typed`` (normalized as app.js does), and badInput."""
    how = attrs.get("data-normalize")
    typed = typed.upper() if how == "upper" else typed.lower() if how == "lower" else typed
    kind = attrs.get("type", "")
    if kind == "number" and typed.strip() and _number(typed) is None:
        return "", True  # the browser keeps no value for what is not a number
    if kind == "date" and typed and not _is_date(typed):
        return "", True
    return typed, False


def related(own_id: str, name: str, values: dict[str, str]) -> str | None:
    """The id app.js's ``related`` finds: the same row's field first, then the page's."""
    prefix = own_id[: own_id.rfind("-") + 1]
    for candidate in (prefix + name, name):
        if candidate in values:
            return candidate
    return None


def client_message(attrs: dict[str, str], own_id: str, values: dict[str, str]) -> str:
    """The message app.js shows for the control (``values``: every control's typed value)."""
    raw, bad = browser_value(attrs, values.get(own_id, ""))
    if bad:
        return attrs.get("data-msg-type", "<browser's own words>")
    value = raw.strip()
    kind = attrs.get("type", "")
    number = _number(value) if kind == "number" and value else None
    step = attrs.get("step", "any")
    if number is not None and step != "any" and "data-msg-step" in attrs:
        steps = (number - float(attrs.get("min", "0"))) / float(step)
        if abs(steps - round(steps)) > 1e-9:
            return attrs["data-msg-step"]
    if "required" in attrs and not value:
        return attrs.get("data-msg-required", "<browser's own words>")
    if not value or kind in ("checkbox", "file"):
        return ""
    length = len(value)
    if ("minlength" in attrs and length < int(attrs["minlength"])) or (
        "maxlength" in attrs and length > int(attrs["maxlength"])
    ):
        return attrs.get("data-msg-pattern") or attrs.get("data-msg-length", "<none>")
    if "pattern" in attrs and not re.fullmatch(attrs["pattern"], value):
        return attrs.get("data-msg-pattern", "<none>")
    if number is not None and "min" in attrs and Decimal(value) < Decimal(attrs["min"]):
        return attrs.get("data-msg-min", "<none>")
    if number is not None and "max" in attrs and Decimal(value) > Decimal(attrs["max"]):
        return attrs.get("data-msg-max", "<none>")
    first = related(own_id, attrs["data-after"], values) if "data-after" in attrs else None
    if first and values[first] and raw < values[first]:
        return attrs.get("data-msg-after", "<none>")
    twin = related(own_id, attrs["data-match"], values) if "data-match" in attrs else None
    if twin and raw != values[twin]:
        return attrs.get("data-msg-match", "<none>")
    return ""


def server_message(cls: type[Form], values: dict[str, str], target: str) -> str:
    """The form's errors on ``target`` after a submission of ``values`` (by field name)."""
    form = _new(cls, MultiDict(values))  # a browser sends its empty fields too
    form.validate()
    fld = next(f for f in leaves(form) if f.name == target)
    return " ".join(str(e) for e in fld.errors)


def _new(cls: type[Form], formdata: MultiDict[str, str] | None) -> Form:
    try:
        return cls(formdata=formdata, meta={"csrf": False})
    except TypeError:  # a plain sub-form
        return cls(formdata=formdata)


def probes(fld: Field, attrs: dict[str, str]) -> list[str]:
    """Values to type: a fixed battery, plus each side of the rendered limits."""
    if attrs["tag"] == "select":
        return [str(value) for value, *_ in fld.iter_choices()]
    if fld.type == "FileField":
        return [""]
    kind = attrs.get("type", "")
    if kind == "date":
        return DATE_PROBES
    values = list(NUMBER_PROBES if kind == "number" else TEXT_PROBES)
    for limit in ("minlength", "maxlength"):
        if limit in attrs:
            n = int(attrs[limit])
            values += ["y" * (n - 1), "y" * n, "y" * (n + 1)]
    for limit in ("min", "max"):
        if limit in attrs:
            edge = Decimal(attrs[limit])
            values += [str(edge - 1), str(edge), str(edge + 1)]
    return list(dict.fromkeys(values))


def _form_id(cls: type) -> str:
    return f"{cls.__module__.removeprefix('presslog.')}.{cls.__qualname__}"


def test_every_form_of_the_app_is_found() -> None:
    names = {c.__name__ for c in FORMS}
    expected = {"CustomerForm", "AddressForm", "OrderForm", "ChargeForm", "LoginForm"}
    expected |= {"UserCreateForm", "UserEditForm", "InviteForm", "RegisterForm"}
    expected |= {"NewPasswordForm", "PasswordForm", "ImportForm", "PreferencesForm"}
    assert expected <= names


@pytest.mark.parametrize("cls", FORMS, ids=_form_id)
def test_the_browser_says_what_the_server_says(app: Flask, cls: type[Form]) -> None:
    """Each value typed alone into each field: the same words, or none, on both sides."""
    differences: list[str] = []
    with app.test_request_context(method="POST"):
        form = _new(cls, None)
        fields = list(leaves(form))
        controls = {f.id: control(f) for f in fields}
        blank = dict.fromkeys(controls, "")
        for fld in fields:
            attrs = controls[fld.id]
            for typed in probes(fld, attrs):
                values = {**blank, fld.id: typed}
                sent = {f.name: browser_value(controls[f.id], values[f.id])[0] for f in fields}
                if attrs.get("type") in ("number", "date") and typed.strip():
                    sent[fld.name] = typed  # a direct POST sends what the browser would not
                server = server_message(cls, sent, fld.name)
                client = client_message(attrs, fld.id, values)
                if server != client:
                    shown = typed if len(typed) < 30 else f"{typed[:3]}… ({len(typed)} characters)"
                    differences.append(
                        f"{fld.name}={shown!r}: server {server!r}, browser {client!r}"
                    )
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("cls", FORMS, ids=_form_id)
def test_dates_in_the_wrong_order_and_passwords_that_differ(app: Flask, cls: type[Form]) -> None:
    """Every pair of date fields (and of password fields): the same words on both sides."""
    differences: list[str] = []
    with app.test_request_context(method="POST"):
        fields = list(leaves(_new(cls, None)))
        controls = {f.id: control(f) for f in fields}
        names = {f.id: f.name for f in fields}
        for kind, (early, late) in (("date", (EARLY, LATE)), ("password", PASSWORDS)):
            ids = [i for i, a in controls.items() if a.get("type") == kind]
            for first, second in itertools.permutations(ids, 2):
                values = {**dict.fromkeys(controls, ""), first: late, second: early}
                sent = {names[i]: v for i, v in values.items()}
                server = server_message(cls, sent, names[second])
                client = client_message(controls[second], second, values)
                if server != client:
                    differences.append(
                        f"{first}={late} {second}={early}: server {server!r}, browser {client!r}"
                    )
    assert not differences, "\n".join(differences)


def test_the_date_order_message_is_the_servers_own() -> None:
    from presslog.core.rules import date_order_errors
    from presslog.orders.forms import OrderForm

    attrs = OrderForm.due_on.kwargs["render_kw"]
    assert attrs["data-after"] == "received_on"
    assert [attrs["data-msg-after"]] == date_order_errors(
        date(2026, 3, 10), date(2026, 3, 1), "Date received", "Due out"
    )


def test_probe_helpers_follow_the_browser() -> None:
    """The emulation itself: a typed count with a fraction, NaN, a number that is none."""
    attrs = {"tag": "input", "type": "number", "step": "1", "min": "0", "data-msg-step": "S"}
    assert client_message(attrs, "n", {"n": "1.5"}) == "S"
    assert browser_value({"type": "number"}, "NaN") == ("", True)
    assert (
        client_message({"tag": "input", "required": ""}, "n", {"n": "  "})
        == "<browser's own words>"
    )
