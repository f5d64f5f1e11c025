"""Queries for orders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import contains_eager, selectinload

from presslog.core import textsearch
from presslog.core.pagination import Page, PageRequest, paginate
from presslog.core.query import contains, parse_sort
from presslog.customers.models import Customer
from presslog.customers.repository import CUSTOMER_TEXT
from presslog.extensions import db
from presslog.orders.models import Order, OrderTally
from presslog.orders.rules import LOG, normalize_log

SORTS = {
    "log": Order.log,
    "customer": Customer.code,
    "title": func.lower(Order.title),
    "job_type": Order.job_type,
    "status": Order.status,
    "priority": Order.priority,
    "received_on": Order.received_on,
    "due_on": Order.due_on,
    "shipped_on": Order.shipped_on,
    "total": Order.total,
    "updated_at": Order.updated_at,
}
DEFAULT_SORT = "-received_on"


@dataclass(frozen=True)
class OrderFilters:
    """What an order search asks for. Every field is optional."""

    q: str | None = None
    log: str | None = None
    customer: str | None = None
    title: str | None = None
    job_type: str | None = None
    status: str | None = None
    rush: bool | None = None
    artist: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    shipped_from: date | None = None
    shipped_to: date | None = None
    deleted: bool = False  # True: only the trash


def get_by_log(log: str, *, include_deleted: bool = False, full: bool = True) -> Order | None:
    """The order with ``log``; ``full`` loads every related record in a few queries."""
    stmt = select(Order).where(Order.log == normalize_log(log))
    if full:
        stmt = stmt.options(
            selectinload(Order.charges),
            selectinload(Order.art_proofs),
            selectinload(Order.print_items),
            selectinload(Order.setup_items),
            selectinload(Order.pack_items),
            selectinload(Order.shipment),
            selectinload(Order.status_changes),
        )
    if not include_deleted:
        stmt = stmt.where(Order.deleted_at.is_(None))
    return db.session.execute(stmt).unique().scalar_one_or_none()


def log_exists(log: str) -> bool:
    """Whether any order, deleted or not, holds ``log``."""
    return db.session.execute(select(Order.id).where(Order.log == log)).first() is not None


def _customer_ids(condition: ColumnElement[bool]) -> Select[Any]:
    """Ids of the customers matching ``condition`` (a small table: resolved once)."""
    return select(Customer.id).where(condition)


# The fields of an order's search text (``core.textsearch``), joined by spaces in this
# order by the migrations that index it (SQLite: FTS5; PostgreSQL: a generated column,
# lowercased, indexed for the trigram search and the list walk).
ORDER_TEXT_FIELDS = (Order.log, Order.customer_po, Order.art_log, Order.title)
ORDER_STORED_TEXT: Any = literal_column(f"orders.{textsearch.ORDERS.text_column}")


def _is_number(word: str) -> bool:
    """Digits only and as long as a LOG: looked up, not searched for."""
    return word.isdigit() and len(word) >= (LOG.min_length or 0)


def _exact_word(word: str) -> ColumnElement[bool]:
    """A word matched whole against the numbered fields and customer codes (indexed)."""
    upper = word.upper()
    matches: list[ColumnElement[bool]] = [Order.customer_po == word, Order.art_log == upper]
    if not LOG.errors(upper):
        matches.append(Order.log == upper)
    if not _is_number(word):
        # Codes are unique: "= (one id)" keeps the condition indexable in an OR.
        matches.append(Order.customer_id == _customer_ids(Customer.code == upper).scalar_subquery())
    return or_(*matches)


def _inside_words(text: str | None) -> list[str]:
    """The words of a search looked for inside text (three characters or more, not a
    LOG-long number)."""
    return [
        word
        for word in textsearch.words(text)
        if not _is_number(word) and len(word) >= textsearch.MIN_LENGTH
    ]


def _customers_containing(word: str) -> Any:
    """Ids of the customers whose search text holds ``word`` (a small table)."""
    if db.engine.dialect.name == "postgresql":
        # "= ANY(array)", not "IN (subquery)", lets PostgreSQL OR the two indexes.
        return any_(
            cast(
                select(func.array_agg(Customer.id))
                .where(textsearch.text_contains(CUSTOMER_TEXT, word))
                .scalar_subquery(),
                ARRAY(Integer),
            )
        )
    return textsearch.fts_ids(textsearch.CUSTOMERS, [word])


def _contains_word(word: str) -> ColumnElement[bool]:
    """An order's own search text or its customer's holds ``word``, tested row by row.

    PostgreSQL can also answer this from its trigram index and chooses itself. On
    SQLite, ``LIKE`` ignores the case of ASCII letters only, as the FTS index does for
    every letter: a word with other letters is looked up in the index for each row.
    """
    if db.engine.dialect.name == "postgresql":
        return or_(
            textsearch.stored_text_contains(ORDER_STORED_TEXT, word),
            Order.customer_id == _customers_containing(word),
        )
    if not word.isascii():
        return Order.id.in_(textsearch.fts_ids(textsearch.ORDERS, [word]))
    # Field by field: no word holds a space, so none matches across two fields, and
    # SQLite need not build the joined text for every row.
    pattern = textsearch.like_escape(word)
    return or_(
        *(field.like(pattern, escape="\\") for field in reversed(ORDER_TEXT_FIELDS)),
        Order.customer_id.in_(_customers_containing(word)),
    )


def _free_text(text: str, *, inside: str = "index") -> ColumnElement[bool]:
    """What the search box matches: every word, each in any field.

    A word of three characters or more is looked for inside the order's search text
    (LOG, customer PO, art log, title) and its customer's (code, name). Shorter words
    and numbers as long as a LOG are matched whole against LOG, customer PO, art log
    and customer code.

    ``inside`` says how the words looked for inside text are tested: ``"index"`` —
    all matches gathered from the trigram index (the way to find a few among many);
    ``"row"`` — tested on each row (the way to find the first rows of a long list,
    walking an index in list order); ``"none"`` — not at all (the caller joins the
    index itself).
    """
    conditions = [
        _exact_word(word)
        for word in textsearch.words(text)
        if _is_number(word) or len(word) < textsearch.MIN_LENGTH
    ]
    words = _inside_words(text)
    if words and (inside == "row" or db.engine.dialect.name == "postgresql"):
        conditions.extend(_contains_word(word) for word in words)
    elif words and inside == "index":
        conditions.append(Order.id.in_(textsearch.fts_ids(textsearch.ORDERS, words)))
    return and_(*conditions)


def _conditions(filters: OrderFilters, *, inside: str = "index") -> list[ColumnElement[bool]]:
    """WHERE conditions for ``filters`` on the orders table alone (customers by
    subquery); ``inside`` as for ``_free_text``."""
    where: list[ColumnElement[bool]] = [
        Order.deleted_at.is_not(None) if filters.deleted else Order.deleted_at.is_(None)
    ]
    if textsearch.words(filters.q):
        where.append(_free_text(filters.q or "", inside=inside))
    if filters.log:
        where.append(Order.log == normalize_log(filters.log))
    if filters.customer:
        code = filters.customer.strip().upper()
        where.append(Order.customer_id == _customer_ids(Customer.code == code).scalar_subquery())
    if filters.title and filters.title.strip():
        where.append(contains(Order.title, filters.title.strip()))
    if filters.job_type:
        where.append(Order.job_type == filters.job_type)
    if filters.status:
        where.append(Order.status == filters.status)
    if filters.rush is not None:
        where.append(Order.rush.is_(filters.rush))
    if filters.artist:
        where.append(Order.artist == filters.artist.strip().upper())
    for column, bound, op in (
        (Order.received_on, filters.received_from, "ge"),
        (Order.received_on, filters.received_to, "le"),
        (Order.due_on, filters.due_from, "ge"),
        (Order.due_on, filters.due_to, "le"),
        (Order.shipped_on, filters.shipped_from, "ge"),
        (Order.shipped_on, filters.shipped_to, "le"),
    ):
        if bound is not None:
            where.append(column >= bound if op == "ge" else column <= bound)
    return where


NULLABLE_SORTS = frozenset({"priority", "due_on", "shipped_on"})


def _ordered(key: str, column: Any, desc: bool) -> Any:
    """The sort term; blanks sort as the latest on every backend (PostgreSQL's own rule).

    Columns that cannot be blank get a bare term, so the database can walk their index.
    """
    if key not in NULLABLE_SORTS:
        return column.desc() if desc else column.asc()
    return column.desc().nulls_first() if desc else column.asc().nulls_last()


def _order_by(key: str, desc: bool) -> tuple[Any, Any]:
    """The list's ORDER BY: the sort column, then the id as the unique tie-breaker."""
    return _ordered(key, SORTS[key], desc), Order.id.desc() if desc else Order.id.asc()


def search_statement(filters: OrderFilters, sort: str | None) -> Select[Any]:
    """The filtered, sorted query behind order lists (customer joined, no N+1)."""
    key, desc = parse_sort(sort, SORTS, default=DEFAULT_SORT)
    return (
        select(Order)
        .join(Order.customer)
        .options(contains_eager(Order.customer))
        .where(*_conditions(filters))
        .order_by(*_order_by(key, desc))
    )


def _ids_statement(
    filters: OrderFilters, key: str, desc: bool, *, inside: str = "index"
) -> Select[Any]:
    """Ids of the matching orders, in list order (the customer joined only to sort by it)."""
    ids = select(Order.id).where(*_conditions(filters, inside=inside))
    if key == "customer":
        ids = ids.join(Order.customer)
    return ids.order_by(*_order_by(key, desc))


def _rows_statement(ids: Any, key: str, desc: bool) -> Select[Any]:
    """The orders (customer joined) whose id is in ``ids``, in list order."""
    return (
        select(Order)
        .join(Order.customer)
        .options(contains_eager(Order.customer))
        .where(Order.id.in_(ids))
        .order_by(*_order_by(key, desc))
    )


def page_statement(filters: OrderFilters, sort: str | None, page: PageRequest) -> Select[Any]:
    """One page of the list: the page's ids are found first, then only their rows read.

    Skipping rows to reach a deep page then walks an index of (sort key, id) alone
    instead of reading — and joining — every order before the page.
    """
    key, desc = parse_sort(sort, SORTS, default=DEFAULT_SORT)
    ids = _ids_statement(filters, key, desc).limit(page.per_page).offset(page.offset)
    return _rows_statement(ids.scalar_subquery(), key, desc)


# Filters the order tallies can answer; any other filter needs a real count.
TALLIED_FILTERS = frozenset({"status", "job_type", "deleted"})


def _tallied(filters: OrderFilters) -> bool:
    """Whether ``filters`` ask only for what ``order_tallies`` counts."""
    return all(
        name in TALLIED_FILTERS or value is None or (isinstance(value, str) and not value.strip())
        for name, value in vars(filters).items()
    )


def count_statement(filters: OrderFilters) -> Select[Any]:
    """How many orders match: from the tallies when they can say, else counted."""
    if _tallied(filters):
        where = [OrderTally.deleted == filters.deleted]
        if filters.status:
            where.append(OrderTally.status == filters.status)
        if filters.job_type:
            where.append(OrderTally.job_type == filters.job_type)
        return select(func.coalesce(func.sum(OrderTally.orders), 0)).where(*where)
    # count(*) on the orders table alone lets PostgreSQL answer from an index.
    return select(func.count()).select_from(Order).where(*_conditions(filters))


def _matches(filters: OrderFilters, key: str) -> Select[Any]:
    """Ids of the matching orders with their sort key, in no order.

    On SQLite the search index's matches are streamed and joined to the orders, so a
    LIMIT stops early (an ``IN`` list would gather every match first).
    """
    words = _inside_words(filters.q)
    columns: tuple[Any, ...] = (Order.id, SORTS[key].label("sort_key"))
    if words and db.engine.dialect.name == "sqlite":
        fts = textsearch.fts_ids(textsearch.ORDERS, words).subquery()
        matches = (
            select(*columns)
            .select_from(fts)
            .join(Order, Order.id == fts.c.rowid)
            .where(*_conditions(filters, inside="none"))
        )
    else:
        matches = select(*columns).where(*_conditions(filters))
    return matches.join(Order.customer) if key == "customer" else matches


def _counted_ids(filters: OrderFilters, key: str, desc: bool) -> Select[Any]:
    """Matching ids in list order, each row also carrying how many match in all.

    With search words the matches are gathered first, then sorted: otherwise
    PostgreSQL, misjudging how many rows a word finds, may walk the date index through
    a million orders testing each.
    """
    if not textsearch.words(filters.q):
        return _ids_statement(filters, key, desc).add_columns(func.count().over().label("total"))
    found = _matches(filters, key).cte("matches").prefix_with("MATERIALIZED", dialect="postgresql")
    return select(found.c.id, func.count().over().label("total")).order_by(
        _ordered(key, found.c.sort_key, desc), found.c.id.desc() if desc else found.c.id.asc()
    )


# How many rows of the list a search tries first: when the page's matches lie among
# them, the search is a common one and needs no other work. Only sorts by a column
# that is never blank and has an index to walk in list order can try.
PROBE_ROWS = 20_000
PROBE_SORTS = frozenset({"received_on", "log"})


def _probe(filters: OrderFilters, key: str, desc: bool, page: PageRequest) -> list[int] | None:
    """The page's ids (and one more, if any), when they lie among the list's first
    ``PROBE_ROWS`` rows; ``None`` when they do not, or when the list is no longer than
    that (its search is then counted: every total is exact up to ``PROBE_ROWS``).

    The list is walked in order from its first row down to the ``PROBE_ROWS``-th (found
    first, from the index alone), each row tested for the search words, so a common
    word ("eagles", one order in ten) fills the page after a few hundred rows without
    the trigram index gathering all of its 100,000 matches.
    """
    if key not in PROBE_SORTS:
        return None
    others = _conditions(replace(filters, q=None))
    sort_column = SORTS[key]
    last = db.session.execute(
        select(sort_column, Order.id)
        .where(*others)
        .order_by(*_order_by(key, desc))
        .limit(1)
        .offset(PROBE_ROWS - 1)
    ).first()
    if last is None:
        return None  # a shorter list: its matches are few enough to count
    bound = tuple_(sort_column, Order.id)
    where = [
        *others,
        _free_text(filters.q or "", inside="row"),
        bound >= tuple_(*last) if desc else bound <= tuple_(*last),
    ]
    found = list(
        db.session.execute(
            select(Order.id)
            .where(*where)
            .order_by(*_order_by(key, desc))
            .limit(page.per_page + 1)
            .offset(page.offset)
        ).scalars()
    )
    return found if len(found) > page.per_page else None


def _uncounted_page(found: list[int], key: str, desc: bool, page: PageRequest) -> Page[Order]:
    """A page of a search whose matches were not counted to the end: ``found`` holds the
    page's ids and one more when a next page exists."""
    ids = found[: page.per_page]
    items = (
        list(db.session.execute(_rows_statement(ids, key, desc)).unique().scalars()) if ids else []
    )
    more = len(found) > page.per_page
    return Page(
        items=items,
        page=page.page,
        per_page=page.per_page,
        total=page.offset + len(items) + int(more),
        total_exact=False,
        more=more,
    )


def search(filters: OrderFilters, sort: str | None, page: PageRequest) -> Page[Order]:
    """One page of orders matching ``filters``, and how many match in all.

    The total comes from the tallies when they can tell. A search for words inside
    text that finds its page among the list's first rows (``_probe``) is a common one
    and is not counted: its total is a lower bound ("many"). Otherwise the page's ids
    and the total come from one statement (a window count), so the conditions run
    once, not twice.
    """
    if _tallied(filters):
        total = db.session.execute(count_statement(filters)).scalar_one()
        items = list(db.session.execute(page_statement(filters, sort, page)).unique().scalars())
        return Page(items=items, page=page.page, per_page=page.per_page, total=int(total))
    key, desc = parse_sort(sort, SORTS, default=DEFAULT_SORT)
    if _inside_words(filters.q) and (found := _probe(filters, key, desc, page)) is not None:
        return _uncounted_page(found, key, desc, page)
    counted = _counted_ids(filters, key, desc)
    rows = db.session.execute(counted.limit(page.per_page).offset(page.offset)).all()
    if not rows:
        # Past the last page (or nothing matches): the total still has to be told.
        total = db.session.execute(count_statement(filters)).scalar_one() if page.offset else 0
        return Page(items=[], page=page.page, per_page=page.per_page, total=int(total))
    ids = [row.id for row in rows]
    items = list(db.session.execute(_rows_statement(ids, key, desc)).unique().scalars())
    return Page(items=items, page=page.page, per_page=page.per_page, total=int(rows[0].total))


# The columns of the order CSV export (SPEC's JSON field names).
EXPORT_COLUMNS: dict[str, Any] = {
    "log": Order.log,
    "customer": Customer.code,
    "customer_name": Customer.name,
    "customer_po": Order.customer_po,
    "job_type": Order.job_type,
    "title": Order.title,
    "priority": Order.priority,
    "rush": Order.rush,
    "status": Order.status,
    "received_on": Order.received_on,
    "art_due_on": Order.art_due_on,
    "due_on": Order.due_on,
    "shipped_on": Order.shipped_on,
    "color_count": Order.color_count,
    "quantity": Order.quantity,
    "art_log": Order.art_log,
    "reference_art_log": Order.reference_art_log,
    "artist": Order.artist,
    "location": Order.location,
    "customer_note": Order.customer_note,
    "art_enclosed": Order.art_enclosed,
    "return_art": Order.return_art,
    "reorder": Order.reorder,
    "subtotal": Order.subtotal,
    "sales_tax": Order.sales_tax,
    "freight": Order.freight,
    "total": Order.total,
    "version": Order.version,
    "updated_at": Order.updated_at,
}


def export_rows(filters: OrderFilters, sort: str | None) -> Iterator[Any]:
    """Every matching order as a plain row of ``EXPORT_COLUMNS``, streamed from the
    database a thousand at a time (no ORM objects, nothing held for the whole list)."""
    key, desc = parse_sort(sort, SORTS, default=DEFAULT_SORT)
    stmt = (
        select(*EXPORT_COLUMNS.values())
        .join(Order.customer)
        .where(*_conditions(filters))
        .order_by(*_order_by(key, desc))
        .execution_options(stream_results=True, yield_per=1000)
    )
    yield from db.session.execute(stmt)


def count_for_customer(customer_id: int) -> int:
    """How many live orders a customer has."""
    stmt = select(func.count()).where(Order.customer_id == customer_id, Order.deleted_at.is_(None))
    return db.session.execute(stmt).scalar_one()


# -- production board ------------------------------------------------------------------

BOARD_STATUSES = ("received", "art", "approved", "production", "ready")


@dataclass(frozen=True)
class BoardFilters:
    """Which jobs the production board shows. Blank bounds are open-ended."""

    job_types: tuple[str, ...] = ()
    due_from: date | None = None
    due_to: date | None = None
    # Shipped jobs appear (in their own column) only when shipped in this window.
    shipped_from: date | None = None
    shipped_to: date | None = None


@dataclass(frozen=True)
class BoardCard:
    """What one card on the board shows, and what its move buttons post."""

    log: str
    customer_code: str
    title: str
    job_type: str
    status: str
    priority: int | None
    rush: bool
    due_on: date | None
    shipped_on: date | None
    version: int

    def is_overdue(self, today: date) -> bool:
        """An open job whose due-out date has passed."""
        return self.status in BOARD_STATUSES and self.due_on is not None and self.due_on < today


@dataclass(frozen=True)
class BoardColumns:
    """Cards by status (each list capped) and how many jobs each status holds in all."""

    cards: dict[str, list[BoardCard]]
    counts: dict[str, int]


def _board_conditions(filters: BoardFilters) -> list[ColumnElement[bool]]:
    shown: ColumnElement[bool] = Order.status.in_(BOARD_STATUSES)
    if filters.due_from is not None:
        shown = shown & (Order.due_on >= filters.due_from)
    if filters.due_to is not None:
        shown = shown & (Order.due_on <= filters.due_to)
    if filters.shipped_from is not None and filters.shipped_to is not None:
        shipped = (
            (Order.status == "shipped")
            & (Order.shipped_on >= filters.shipped_from)
            & (Order.shipped_on <= filters.shipped_to)
        )
        shown = or_(shown, shipped)
    where: list[ColumnElement[bool]] = [Order.deleted_at.is_(None), shown]
    if filters.job_types:
        where.append(Order.job_type.in_(filters.job_types))
    return where


def board(filters: BoardFilters, *, per_column: int = 50) -> BoardColumns:
    """The jobs on the production board: two statements, however many orders there are.

    Cards come from one query (orders joined with their customer's code, only the
    columns a card shows), numbered within each status so that no column returns more
    than ``per_column``; a second query counts every matching job per status.
    """
    where = _board_conditions(filters)
    rank = (
        func.row_number()
        .over(
            partition_by=Order.status,
            order_by=(
                Order.due_on.asc().nulls_last(),
                Order.priority.asc().nulls_last(),
                Order.log.asc(),
            ),
        )
        .label("rank")
    )
    ranked = (
        select(
            Order.log,
            Customer.code.label("customer_code"),
            Order.title,
            Order.job_type,
            Order.status,
            Order.priority,
            Order.rush,
            Order.due_on,
            Order.shipped_on,
            Order.version,
            rank,
        )
        .join(Customer, Customer.id == Order.customer_id)
        .where(*where)
        .subquery()
    )
    stmt = (
        select(ranked).where(ranked.c.rank <= per_column).order_by(ranked.c.status, ranked.c.rank)
    )
    cards: dict[str, list[BoardCard]] = {}
    for row in db.session.execute(stmt).mappings():
        card = BoardCard(**{k: v for k, v in row.items() if k != "rank"})
        cards.setdefault(card.status, []).append(card)
    counted = select(Order.status, func.count()).where(*where).group_by(Order.status)
    counts = dict(db.session.execute(counted).tuples().all())
    return BoardColumns(cards=cards, counts=counts)


def trash_page(page: PageRequest) -> Page[Order]:
    """Orders in the trash, most recently deleted first, with their customers."""
    stmt = (
        select(Order)
        .join(Order.customer)
        .options(contains_eager(Order.customer))
        .where(Order.deleted_at.is_not(None))
        .order_by(Order.deleted_at.desc(), Order.id.desc())
    )
    count = select(func.count()).select_from(Order).where(Order.deleted_at.is_not(None))
    return paginate(db.session, stmt, page, count_stmt=count)
