"""Reading single legacy values, and the round trip of generated rows through PressLog."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from presslog.extensions import db
from presslog.legacy import store
from presslog.legacy.exporter import legacy_row, same_value
from presslog.legacy.importer import import_legacy
from presslog.legacy.mapping import (
    CODE,
    DATE,
    MONEY,
    ORDER_COLUMNS,
    QUANTITY,
    TRUE_FALSE,
    YES_NO,
)
from presslog.legacy.reader import LegacyFile
from presslog.legacy.values import BadValue, Boolean, Code, Date, Number
from tests.legacy.helpers import CLEAN, read_csv, rejects


@pytest.mark.parametrize(
    ("kind", "raw", "value", "repairs"),
    [
        (CODE, " ab12c\t", "AB12C", ["whitespace", "case"]),
        (DATE, "1995-03-04", date(1995, 3, 4), []),
        (DATE, "3/4/1995", date(1995, 3, 4), ["date_format"]),
        (DATE, "", None, []),
        (DATE, "2000-02-06 00:00:00", date(2000, 2, 6), ["date_format"]),
        (MONEY, "$1,234.50", Decimal("1234.50"), ["number_format"]),
        (QUANTITY, "1,000", Decimal(1000), ["number_format"]),
        (QUANTITY, "-12", Decimal(-12), []),
        (YES_NO, "t", True, ["boolean_spelling"]),
        (YES_NO, "", False, []),
        (TRUE_FALSE, "0", False, ["boolean_spelling"]),
        (TRUE_FALSE, "true", True, []),
    ],
)
def test_unambiguous_values_are_read_and_their_repairs_named(kind, raw, value, repairs):
    assert kind.parse(raw) == (value, repairs)


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        (DATE, "2026-02-30", "date_invalid"),
        (DATE, "22.09.2009", "date_layout"),
        (DATE, "20010817", "date_layout"),
        (DATE, "N/A", "date_layout"),
        (DATE, "2000-02-06 13:30:00", "date_layout"),
        (Number(places=0), "2.5", "not_whole"),
        (MONEY, "12 lbs", "not_a_number"),
        (MONEY, "1,00", "not_a_number"),
        (MONEY, "1.005", "too_precise"),
        (MONEY, "10000000000.00", "too_large"),
        (MONEY, "1e3", "not_a_number"),
        (YES_NO, "maybe", "not_a_boolean"),
        (CODE, "AB\x0012", "control_char"),
    ],
)
def test_ambiguous_values_are_refused(kind, raw, code):
    with pytest.raises(BadValue) as caught:
        kind.parse(raw)
    assert caught.value.code == code


def test_windows_1252_bytes_are_read_as_such_and_marked(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"A,B\nFr\xfcnklin,\x93quoted\x94\nplain,\xc3\xbc\n")
    source = LegacyFile(path)
    first, second = list(source.records())
    source.close()
    assert first.fields == ["Fr\u00fcnklin", "\u201cquoted\u201d"]
    assert first.recoded
    assert first.raw == b"Fr\xfcnklin,\x93quoted\x94"
    assert second.fields == ["plain", "ü"]
    assert not second.recoded


def test_rejects_of_a_rejects_file_keep_one_pair_of_reason_columns(app, tmp_path):
    first = tmp_path / "first"
    orders = tmp_path / "Orders.csv"
    rows = read_csv(CLEAN / "Orders.csv")[:2]
    rows[1]["LOG"] = "AB-12"
    _write(orders, rows)
    import_legacy(orders=orders, customers=CLEAN / "Customers.csv", rejects_dir=first)
    again = tmp_path / "again"
    import_legacy(
        orders=first / "orders.rejects.csv", customers=CLEAN / "Customers.csv", rejects_dir=again
    )
    rejected = rejects(again / "orders.rejects.csv")
    assert list(rejected) == [1]
    assert "LOG 'AB-12'" in rejected[1]["REJECT_REASON"]
    with (again / "orders.rejects.csv").open(encoding="utf-8") as handle:
        names = next(csv.reader(handle))
    assert names.count("REJECT_REASON") == 1
    assert len(names) == 136


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c.name for c in ORDER_COLUMNS])
        writer.writeheader()
        writer.writerows(rows)


# -- property: export(import(rows)) == rows after the documented repairs -----------------
CLEAN_ROWS = read_csv(CLEAN / "Orders.csv")
_PRINTABLE = st.characters(codec="utf-8", categories=["L", "N", "P", "S", "Zs"])


def _dress(draw: st.DrawFn, column_kind: object, text: str) -> str:
    """A legacy spelling of ``text`` that the import must read as the same value."""
    if not text:
        return text
    if isinstance(column_kind, Code):
        text = draw(st.sampled_from([text, text.lower()]))
    elif isinstance(column_kind, Date):
        day = date.fromisoformat(text)
        text = draw(st.sampled_from([text, f"{day.month}/{day.day}/{day.year}"]))
    elif isinstance(column_kind, Boolean):
        true = draw(st.sampled_from(["Y", "T", "1", "true", "TRUE", "y"]))
        false = draw(st.sampled_from(["N", "F", "0", "false", "n"]))
        text = true if YES_NO.parse(text)[0] else false
    elif isinstance(column_kind, Number) and Decimal(text) >= 1000:
        whole, _, cents = f"{Decimal(text):,f}".partition(".")
        text = draw(st.sampled_from([text, f"${whole}" + (f".{cents}" if cents else "")]))
    return draw(st.sampled_from(["", " ", "\t"])) + text + draw(st.sampled_from(["", " "]))


@st.composite
def legacy_rows(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    """(a valid legacy row, the same row as a messy export might spell it)."""
    row = dict(draw(st.sampled_from(CLEAN_ROWS)))
    row["LOG"] = draw(st.from_regex(r"[A-Z0-9]{5,7}", fullmatch=True))
    row["TITLE"] = draw(st.text(_PRINTABLE, min_size=1, max_size=256).map(str.strip).filter(bool))
    row["CUST_INFO"] = draw(st.text(_PRINTABLE, max_size=95).map(str.strip))
    dressed = {c.name: _dress(draw, c.kind, row[c.name]) for c in ORDER_COLUMNS}
    return row, dressed


def test_export_of_import_gives_back_generated_rows(app, tmp_path):
    import_legacy(
        orders=CLEAN / "Orders.csv", customers=CLEAN / "Customers.csv", rejects_dir=tmp_path
    )

    @settings(max_examples=25, deadline=None, database=None)
    @given(legacy_rows())
    def round_trip(rows: tuple[dict[str, str], dict[str, str]]) -> None:
        row, dressed = rows
        path = tmp_path / "Orders.csv"
        _write(path, [dressed])
        summary = import_legacy(
            orders=path, customers=CLEAN / "Customers.csv", rejects_dir=tmp_path
        )
        assert summary.rejected == 0, summary.text()
        db.session.expire_all()
        (stored,) = store.load_orders(store.ORDERS.c.log == row["LOG"])
        exported = dict(
            zip(
                [c.name for c in ORDER_COLUMNS], legacy_row(ORDER_COLUMNS, stored.flat), strict=True
            )
        )
        for column in ORDER_COLUMNS:
            original = row[column.name]
            assert same_value(column, original, exported[column.name]), column.name
            # The export writes the canonical spelling of the original value.
            assert exported[column.name] == column.kind.format(column.kind.parse(original)[0])

    round_trip()


def test_orders_of_a_rejected_customer_and_short_rows_say_why(app, tmp_path):
    customers = tmp_path / "Customers.csv"
    lines = (CLEAN / "Customers.csv").read_text(encoding="utf-8").splitlines()
    code = lines[1].split(",")[0]
    lines[1] = lines[1].replace("@", " at ")  # the e-mail address is refused
    customers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    orders = tmp_path / "Orders.csv"
    rows = [r for r in read_csv(CLEAN / "Orders.csv") if r["CUST"] == code][:1]
    _write(orders, rows)
    with orders.open("a", encoding="utf-8") as handle:
        handle.write("99999,CEN15,short row\n")
    summary = import_legacy(orders=orders, customers=customers, rejects_dir=tmp_path / "r")
    assert summary.orders.rejected == {"CUST: customer_rejected": 1, "field_count": 1}
    reasons = [r["REJECT_REASON"] for r in rejects(tmp_path / "r" / "orders.rejects.csv").values()]
    assert reasons[0] == (
        f"CUST '{code}' is in the Customers file, but its row 1 was rejected: "
        "correct that row first"
    )
    assert reasons[1].startswith("the row has 3 fields where the header has 134")
