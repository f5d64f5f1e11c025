"""``presslog import-legacy``: load the legacy Orders and Customers files into PressLog.

The files are streamed and written in batches of :data:`BATCH` rows, customers
first, so memory stays bounded whatever their size (the keys already seen in the
file are remembered, to refuse duplicates: a few dozen bytes per row).

Each row is read through the mapping table (:mod:`presslog.legacy.mapping`):
every value is parsed by its kind (unambiguous repairs are counted) and checked
against PressLog's rule for it. A row that passes becomes a *flat record*
(:mod:`presslog.legacy.store`) and is compared with what PressLog already holds
under its key: absent → imported, equal → unchanged, different → updated (its
version is bumped, under the same optimistic lock as every other edit). A row
that cannot be loaded is written, byte for byte, to the table's rejects file with
its row number and the reason.

Order status: a row with a date out (DATOUT) is ``shipped`` and has a shipment;
a row without one is an open order (``received`` when new; an order already in
PressLog keeps its open status). Money is imported as stated: line totals,
subtotals and totals that disagree are listed in ``Order.legacy["money_flags"]``.

A dry run reads, checks and compares everything and writes the rejects files, but
changes nothing in the database. Batches are committed one by one, so an import
stopped half-way (a crash, a power cut) leaves whole batches behind, and running
it again completes it — the import is idempotent.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from presslog.audit.service import diff, record
from presslog.core.db import money
from presslog.core.rules import Rule, date_order_errors
from presslog.extensions import db
from presslog.legacy import store
from presslog.legacy.mapping import (
    CUSTOMER_COLUMNS,
    CUSTOMER_KEY,
    ORDER_COLUMNS,
    ORDER_KEY,
    STORED_DEFAULTS,
    Column,
)
from presslog.legacy.reader import LegacyFile, Record
from presslog.legacy.values import BadValue
from presslog.orders import rules as order_rules

BATCH = store.BATCH
REJECT_COLUMNS = ("REJECT_ROW", "REJECT_REASON")
COLUMN_OF = {c.target: c.name for c in (*ORDER_COLUMNS, *CUSTOMER_COLUMNS)}
NEW_CUSTOMER_NAME = "{code} (added by the legacy import)"
CLI_ORIGIN = "presslog import-legacy"
# What each column's kind makes of an empty field (None, or False for a flag).
BLANKS = {c.target: c.kind.parse("")[0] for c in (*ORDER_COLUMNS, *CUSTOMER_COLUMNS)}


class LegacyFormatError(Exception):
    """A file PressLog cannot read as a legacy table at all (missing or unknown columns)."""


class Rejection(Exception):
    """Why a row cannot be loaded: ``code`` groups it in the summary, ``message`` explains."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class TableSummary:
    """What happened to the rows of one legacy table."""

    name: str
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    rejects_file: Path | None = None

    def lines(self) -> list[str]:
        """The table's part of the summary."""
        out = [
            f"{self.name}: read {self.read}, imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {sum(self.rejected.values())}"
        ]
        for title, counts in (
            ("repaired", self.repaired),
            ("flagged", self.flagged),
            ("rejected", self.rejected),
        ):
            if counts:
                parts = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
                out.append(f"  {title}: {parts}")
        if self.rejected and self.rejects_file:
            out.append(f"  rejected rows: {self.rejects_file}")
        return out


@dataclass
class ImportSummary:
    """The result of an import run."""

    customers: TableSummary = field(default_factory=lambda: TableSummary("Customers"))
    orders: TableSummary = field(default_factory=lambda: TableSummary("Orders"))
    customers_created: int = 0
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        """Rows rejected in both tables."""
        return sum(self.customers.rejected.values()) + sum(self.orders.rejected.values())

    def text(self) -> str:
        """The summary printed by the command."""
        lines = [*self.customers.lines(), *self.orders.lines()]
        if self.customers_created:
            lines.append(f"Customers created for orders: {self.customers_created}")
        if self.dry_run:
            lines.append("Dry run: nothing was written to the database.")
        return "\n".join(lines)


class RejectsFile:
    """Rejected rows, unchanged, after two leading columns REJECT_ROW and REJECT_REASON.

    Rows are copied byte for byte from the input; the two columns come first so
    they stay in place even for a row with too few or too many fields. When the
    input is itself a rejects file (it already has the two columns), its rows are
    written again as CSV with the two columns' values replaced.
    """

    def __init__(self, path: Path, source: LegacyFile) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.handle: BinaryIO = path.open("wb")
        names = [n.strip() for n in source.header]
        self.replace = [names.index(c) for c in REJECT_COLUMNS if c in names]
        if len(self.replace) == len(REJECT_COLUMNS):
            self.handle.write(source.header_raw + b"\n")
        else:
            self.replace = []
            self.handle.write(",".join(REJECT_COLUMNS).encode() + b"," + source.header_raw + b"\n")

    def add(self, record: Record, reason: str) -> None:
        """Write ``record`` with its row number and ``reason``."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="")
        if self.replace and len(record.fields) > max(self.replace):
            fields = list(record.fields)
            fields[self.replace[0]], fields[self.replace[1]] = str(record.number), reason
            writer.writerow(fields)
            self.handle.write(buffer.getvalue().encode("utf-8") + b"\n")
        else:
            writer.writerow([record.number, reason])
            self.handle.write(buffer.getvalue().encode("utf-8") + b"," + record.raw + b"\n")

    def close(self) -> None:
        """Close the file."""
        self.handle.close()


def _show(raw: str) -> str:
    """A raw value as a reason quotes it: escaped, and cut short when long."""
    if len(raw) > 40:
        return f"{raw[:40]!r}… ({len(raw)} characters)"
    return repr(raw)


def resolve_columns(source: LegacyFile, columns: tuple[Column, ...]) -> list[tuple[int, Column]]:
    """Where each mapped column sits in the file's header.

    :raises LegacyFormatError: for a missing, repeated or unknown column (an unknown
        one would be dropped, and nothing in the legacy file may be).
    """
    by_name = {c.name.strip(): c for c in columns}
    found: dict[str, int] = {}
    for index, name in enumerate(source.header):
        key = name.strip()
        if key in REJECT_COLUMNS:
            continue
        if key not in by_name:
            raise LegacyFormatError(f"{source.path.name}: unknown column {name!r}")
        if key in found:
            raise LegacyFormatError(f"{source.path.name}: column {name!r} appears twice")
        found[key] = index
    missing = [c.name for c in columns if c.name.strip() not in found]
    if missing:
        raise LegacyFormatError(
            f"{source.path.name}: missing column(s) {', '.join(map(repr, missing[:5]))}"
        )
    return [(found[c.name.strip()], c) for c in columns]


def _broken(rule: Rule, value: Any) -> str:
    """Which part of ``rule`` the value breaks, for the summary's reasons."""
    if value is None:
        return "blank"
    if isinstance(value, str):
        if rule.max_length and len(value) > rule.max_length:
            return "too_long"
        if rule.choices and value not in rule.choices:
            return "unknown_code"
        return "format"
    if rule.min_value == 0 and value < 0:
        return "negative"
    return "out_of_range"


@dataclass(frozen=True)
class _Parsed:
    """What one raw field made: its value and repairs, or the rejection it causes."""

    value: Any
    repairs: tuple[str, ...] = ()
    rejection: tuple[str, str] | None = None


def _parse_field(column: Column, raw: str) -> _Parsed:
    """Parse ``raw`` by the column's kind and check it against the column's rule."""
    try:
        value, fixed = column.kind.parse(raw)
    except BadValue as exc:
        return _Parsed(
            None, (), (f"{column.name}: {exc.code}", f"{column.name} {_show(raw)} {exc.message}")
        )
    if column.rule is not None:
        problems = column.rule.errors(value)
        if problems:
            shown = "is empty" if not raw.strip() else _show(raw)
            return _Parsed(
                None,
                (),
                (
                    f"{column.name}: {_broken(column.rule, value)}",
                    f"{column.name} {shown}: {' '.join(problems)}",
                ),
            )
    return _Parsed(value, tuple(fixed))


class RowParser:
    """Reads the rows of one legacy file through the mapping table.

    Legacy columns repeat their values from row to row (dates, codes, prices,
    flags), so what each distinct text made is remembered, up to
    :attr:`REMEMBERED` texts for the columns of one kind and rule (all the date
    columns share theirs): a million-row file parses about twice as fast, in a
    few megabytes. Rejections are not remembered; they are rare.
    """

    REMEMBERED = 16384

    def __init__(self, resolved: list[tuple[int, Column]], width: int) -> None:
        self.width = width
        shared: dict[tuple[int, int], dict[str, _Parsed]] = {}
        self.columns = [
            (
                index,
                column,
                column.target,
                BLANKS[column.target],
                not (column.rule is not None and column.rule.required),
                shared.setdefault((id(column.kind), id(column.rule)), {}),
            )
            for index, column in resolved
        ]

    def parse(self, record: Record) -> tuple[dict[str, Any], list[str]]:
        """The row's flat record and the repairs made reading it.

        :raises Rejection: naming the first value PressLog cannot take.
        """
        fields = record.fields
        if len(fields) != self.width:
            raise Rejection(
                "field_count",
                f"the row has {len(fields)} fields where the header has {self.width} "
                "(a comma or a quote out of place?)",
            )
        flat: dict[str, Any] = {}
        repairs = ["encoding"] if record.recoded else []
        for index, column, target, blank, optional, seen in self.columns:
            raw = fields[index]
            if not raw and optional:
                # Most legacy fields are empty, and a blank never needs repair.
                if blank is not None:
                    flat[target] = blank
                continue
            parsed = seen.get(raw)
            if parsed is None:
                parsed = _parse_field(column, raw)
                if parsed.rejection is not None:
                    raise Rejection(*parsed.rejection)
                if len(seen) < self.REMEMBERED:
                    seen[raw] = parsed
            if parsed.repairs:
                repairs.extend(parsed.repairs)
            if parsed.value is not None:
                flat[target] = parsed.value
        return flat, repairs


def _complete_order(flat: dict[str, Any]) -> list[str]:
    """Fill what PressLog stores for blanks, check the dates, flag money; the flag kinds.

    :raises Rejection: when a date comes before the date received.
    """
    for first, second in order_rules.DATE_ORDER:
        problems = date_order_errors(
            flat.get(f"order.{first}"),
            flat.get(f"order.{second}"),
            order_rules.DATE_LABELS[first],
            order_rules.DATE_LABELS[second],
        )
        if problems:
            column, before = COLUMN_OF[f"order.{second}"], COLUMN_OF[f"order.{first}"]
            raise Rejection(
                f"{column}: date_order",
                f"{column} {flat[f'order.{second}']} is before {before} "
                f"{flat[f'order.{first}']}: {problems[0]}",
            )
    for key, value in STORED_DEFAULTS.items():
        flat.setdefault(key, value)
    for kind in order_rules.CHARGE_KINDS:
        keys = [f"charge.{kind}.{part}" for part in store.CHARGE_FIELDS]
        if any(k in flat for k in keys):
            for key in keys:  # a charge line stores all three numbers
                flat.setdefault(key, Decimal(0))
    flags = money_flags(flat)
    if flags:
        flat["legacy.money_flags"] = tuple(flags)
    return [flag.split(":", 1)[0] for flag in flags]


def money_flags(flat: dict[str, Any]) -> list[str]:
    """Where the stated money does not add up (kind first, then the figures)."""
    flags = []
    lines = Decimal(0)
    for kind in order_rules.CHARGE_KINDS:
        total = flat.get(f"charge.{kind}.total")
        if total is None:
            continue
        expected = money(flat[f"charge.{kind}.quantity"] * flat[f"charge.{kind}.unit_price"])
        if total != expected:
            flags.append(
                f"line_mismatch: {kind} total {money(total)} is not quantity × unit price "
                f"{expected}"
            )
        lines += total
    subtotal, tax, freight, total = (
        flat[f"order.{n}"] for n in ("subtotal", "sales_tax", "freight", "total")
    )
    if subtotal != lines:
        flags.append(
            f"subtotal_mismatch: subtotal {money(subtotal)} is not the sum of the line totals "
            f"{money(lines)}"
        )
    if total != subtotal + tax + freight:
        flags.append(
            f"total_mismatch: total {money(total)} is not subtotal + sales tax + freight "
            f"{money(subtotal + tax + freight)}"
        )
    return flags


@dataclass
class _Pending:
    record: Record
    flat: dict[str, Any]
    repairs: list[str]
    flags: list[str] = field(default_factory=list)


@dataclass
class _Table:
    """How the import reads one of the two legacy tables."""

    summary: TableSummary
    rejects_name: str
    key: str  # the mapping target no two rows may share
    duplicate_hint: str
    check: Callable[[dict[str, Any]], list[str]]  # more checks; the money flags
    save: Callable[[list[_Pending], RejectsFile], None]
    rejected: Callable[[Record], None]


class Importer:
    """One run of the legacy import (see the module's description)."""

    def __init__(
        self,
        *,
        rejects_dir: Path,
        dry_run: bool = False,
        create_missing_customers: bool = False,
        batch: int = BATCH,
        progress: Callable[[int], None] | None = None,
        actor: Any = None,
        origin: str = CLI_ORIGIN,
        run_key: str | None = None,
    ) -> None:
        self.rejects_dir = rejects_dir
        self.actor = actor
        self.origin = origin
        self.run_key = run_key
        self.progress = progress
        self.dry_run = dry_run
        self.create_missing_customers = create_missing_customers
        self.batch = batch
        self.summary = ImportSummary(dry_run=dry_run)
        self.customer_ids: dict[str, int | None] = {}
        self.to_create: list[str] = []
        self.rejected_customers: dict[str, int] = {}

    def run(self, *, orders: Path, customers: Path) -> ImportSummary:
        """Import ``customers`` then ``orders``; return the summary."""
        customer_file = LegacyFile(customers)
        try:
            order_file = LegacyFile(orders)
        except BaseException:
            customer_file.close()
            raise
        try:
            customer_columns = resolve_columns(customer_file, CUSTOMER_COLUMNS)
            order_columns = resolve_columns(order_file, ORDER_COLUMNS)
            self._customers(customer_file, customer_columns)
            self._orders(order_file, order_columns)
        except BaseException:
            db.session.rollback()  # the batch in progress; committed batches stay
            raise
        finally:
            customer_file.close()
            order_file.close()
            if self.dry_run:
                db.session.rollback()
        self._audit_run()
        written = sum(t.imported + t.updated for t in (self.summary.customers, self.summary.orders))
        if not self.dry_run and written >= store.ANALYZE_AFTER_ROWS:
            store.refresh_statistics()
        return self.summary

    def _read_table(
        self,
        source: LegacyFile,
        resolved: list[tuple[int, Column]],
        table: _Table,
    ) -> None:
        """Read one file through the mapping and save its rows ``self.batch`` at a time.

        A key seen earlier in the file is a duplicate (the first row wins); ``table``
        says how to check a row further, save a batch and note a rejected row.
        """
        summary = table.summary
        rejects = RejectsFile(self.rejects_dir / table.rejects_name, source)
        summary.rejects_file = rejects.path
        parser = RowParser(resolved, len(source.header))
        column = COLUMN_OF[table.key]
        seen: dict[str, int] = {}
        pending: list[_Pending] = []
        try:
            for record in source.records():
                summary.read += 1
                try:
                    flat, repairs = parser.parse(record)
                    key = flat[table.key]
                    if key in seen:
                        raise Rejection(
                            f"{column}: duplicate",
                            f"{column} {key!r} repeats row {seen[key]}, which was loaded: "
                            + table.duplicate_hint,
                        )
                    flags = table.check(flat)
                except Rejection as exc:
                    self._reject(summary, rejects, record, exc)
                    table.rejected(record)
                    continue
                seen[key] = record.number
                pending.append(_Pending(record, flat, repairs, flags))
                if len(pending) >= self.batch:
                    table.save(pending, rejects)
                    pending = []
                    self._report()
            table.save(pending, rejects)
            self._report()
        finally:
            rejects.close()

    # -- customers -------------------------------------------------------------
    def _customers(self, source: LegacyFile, resolved: list[tuple[int, Column]]) -> None:
        self.customer_ids = store.customer_ids()
        table = _Table(
            summary=self.summary.customers,
            rejects_name="customers.rejects.csv",
            key=CUSTOMER_KEY,
            duplicate_hint="give this customer its own code or remove the row",
            check=lambda _flat: [],
            save=self._save_customers,
            rejected=lambda record: self._remember_rejected_customer(record, resolved),
        )
        self._read_table(source, resolved, table)

    def _save_customers(self, pending: list[_Pending], rejects: RejectsFile) -> None:
        if not pending:
            return
        summary = self.summary.customers
        codes = [p.flat[CUSTOMER_KEY] for p in pending]
        stored = {
            s.flat[CUSTOMER_KEY]: s for s in store.load_customers(store.CUSTOMERS.c.code.in_(codes))
        }
        new = []
        for item in pending:
            known = stored.get(item.flat[CUSTOMER_KEY])
            if known is None:
                new.append(item.flat)
                summary.imported += 1
            elif known.flat == item.flat:
                summary.unchanged += 1
            elif self.dry_run or store.update_customer(known, item.flat):
                summary.updated += 1
                self._audit("customer", item.flat[CUSTOMER_KEY], known.flat, item.flat)
            else:
                self._reject(summary, rejects, item.record, _changed_meanwhile("CUSTID"))
                continue
            summary.repaired.update(item.repairs)
        if self.dry_run:
            self.customer_ids.update(dict.fromkeys((f[CUSTOMER_KEY] for f in new), None))
            return
        self.customer_ids.update(store.insert_customers(new))
        db.session.commit()

    # -- orders ----------------------------------------------------------------
    def _orders(self, source: LegacyFile, resolved: list[tuple[int, Column]]) -> None:
        def check(flat: dict[str, Any]) -> list[str]:
            flags = _complete_order(flat)
            self._check_customer(flat["order.customer"])
            return flags

        table = _Table(
            summary=self.summary.orders,
            rejects_name="orders.rejects.csv",
            key=ORDER_KEY,
            duplicate_hint="the first row wins; give this job its own LOG or remove the row",
            check=check,
            save=self._save_orders,
            rejected=lambda _record: None,
        )
        self._read_table(source, resolved, table)

    def _report(self) -> None:
        """Tell the ``progress`` callable how many rows (both files) were read so far."""
        if self.progress is not None:
            self.progress(self.summary.customers.read + self.summary.orders.read)

    def _remember_rejected_customer(
        self, record: Record, resolved: list[tuple[int, Column]]
    ) -> None:
        """Note a rejected customer's code, so its orders can say why they are refused."""
        index, column = next((i, c) for i, c in resolved if c.target == CUSTOMER_KEY)
        try:
            code = (
                column.kind.parse(record.fields[index])[0] if index < len(record.fields) else None
            )
        except BadValue:
            return
        if code:
            self.rejected_customers.setdefault(code, record.number)

    def _check_customer(self, code: str) -> None:
        if code in self.customer_ids:
            return
        if code in self.rejected_customers and not self.create_missing_customers:
            raise Rejection(
                "CUST: customer_rejected",
                f"CUST {code!r} is in the Customers file, but its row "
                f"{self.rejected_customers[code]} was rejected: correct that row first",
            )
        if not self.create_missing_customers:
            raise Rejection(
                "CUST: unknown_customer",
                f"CUST {code!r} is not a customer in the Customers file nor in PressLog: add "
                "the customer, correct the code, or import with --create-missing-customers",
            )
        self.customer_ids[code] = None
        self.to_create.append(code)

    def _save_orders(self, pending: list[_Pending], rejects: RejectsFile) -> None:
        if not pending:
            return
        summary = self.summary.orders
        if self.to_create:
            created = [
                {CUSTOMER_KEY: c, "customer.name": NEW_CUSTOMER_NAME.format(code=c)}
                for c in self.to_create
            ]
            self.summary.customers_created += len(created)
            if not self.dry_run:
                self.customer_ids.update(store.insert_customers(created))
            self.to_create = []
        logs = [p.flat[ORDER_KEY] for p in pending]
        stored = {s.flat[ORDER_KEY]: s for s in store.load_orders(store.ORDERS.c.log.in_(logs))}
        new: list[tuple[dict[str, Any], int]] = []
        for item in pending:
            known = stored.get(item.flat[ORDER_KEY])
            customer_id = self.customer_ids[item.flat["order.customer"]]
            if known is None:
                new.append((item.flat, customer_id or 0))
                summary.imported += 1
            elif known.flat == item.flat:
                summary.unchanged += 1
            elif self.dry_run or store.update_order(known, item.flat, customer_id or 0):
                summary.updated += 1
                self._audit("order", item.flat[ORDER_KEY], known.flat, item.flat)
            else:
                self._reject(summary, rejects, item.record, _changed_meanwhile("LOG"))
                continue
            summary.repaired.update(item.repairs)
            summary.flagged.update(item.flags)
        if not self.dry_run:
            store.insert_orders(new)
            db.session.commit()

    def _audit(self, entity: str, key: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Log an update the import made: the fields (mapping targets) that changed."""
        if self.dry_run:
            return
        changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        record(
            f"{entity}.update",
            entity_type=entity,
            entity_key=key,
            summary=f"Changed by the legacy import ({self.origin})",
            changes=diff({k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}),
            actor=self.actor,
        )

    def _audit_run(self) -> None:
        """One audit event per finished run: who, from where, what it did.

        A run that wrote nothing (a dry run, or every row unchanged) leaves the audit
        log alone too: a second import changes nothing. On the admin page its run
        record still shows who started it.
        """
        written = self.summary.customers_created + sum(
            t.imported + t.updated for t in (self.summary.customers, self.summary.orders)
        )
        if self.dry_run or not written:
            return
        parts = [
            f"{t.name.lower()}: {t.imported} imported, {t.updated} updated, "
            f"{t.unchanged} unchanged, {sum(t.rejected.values())} rejected"
            for t in (self.summary.customers, self.summary.orders)
        ]
        if self.summary.customers_created:
            parts.append(f"{self.summary.customers_created} customers created")
        text = f"{self.origin} — " + "; ".join(parts)
        record("legacy.import", entity_key=self.run_key, summary=text, actor=self.actor)
        db.session.commit()

    @staticmethod
    def _reject(
        summary: TableSummary, rejects: RejectsFile, record: Record, exc: Rejection
    ) -> None:
        summary.rejected[exc.code] += 1
        rejects.add(record, exc.message)


def _changed_meanwhile(key: str) -> Rejection:
    return Rejection(
        f"{key}: changed_meanwhile",
        "the record was saved in PressLog while the import ran: run the import again",
    )


def import_legacy(
    *,
    orders: Path,
    customers: Path,
    rejects_dir: Path,
    dry_run: bool = False,
    create_missing_customers: bool = False,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    actor: Any = None,
    origin: str = CLI_ORIGIN,
    run_key: str | None = None,
) -> ImportSummary:
    """Import the legacy files; see the module's description.

    ``progress``, when given, is called after each batch with the rows read so far.
    A finished run is recorded in the audit log once, in the name of ``actor`` (None
    from the command line), saying where it was started (``origin``) and what it did.

    :raises LegacyFormatError: when a file's header is not the legacy layout.
    """
    importer = Importer(
        rejects_dir=rejects_dir,
        dry_run=dry_run,
        create_missing_customers=create_missing_customers,
        batch=batch,
        progress=progress,
        actor=actor,
        origin=origin,
        run_key=run_key,
    )
    return importer.run(orders=orders, customers=customers)
