"""Search for words inside text through trigram indexes, the same way on both databases.

A ``LIKE '%word%'`` cannot use an ordinary index and reads the whole table. Each
searchable record instead has a *search text* — a few fields joined by spaces, written
once as an SQL expression by its domain (see ``orders.repository.ORDER_TEXT_FIELDS``) — and a
trigram index over it, built by a migration:

* SQLite: an FTS5 table with the ``trigram`` tokenizer, one row per record (rowid =
  the record's id), kept in step by triggers;
* PostgreSQL: a ``pg_trgm`` GIN index on the search-text expression, used by
  ``ILIKE`` — for orders, on a stored, lowercased copy of it (``search_text``, with
  an index of live orders that carries it, to test rows in list order from the
  index alone), used by ``LIKE`` with a lowercased pattern.

Both answer "does the search text contain this word, ignoring case?", so a search
gives the same rows on either database. Words never contain spaces and the fields
are joined by spaces, so a word never matches across two fields. A trigram needs three
characters: shorter words must be matched some other way (see ``MIN_LENGTH``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, func, literal_column, select, table

# Words shorter than this have no trigram, so no index can find them inside text.
MIN_LENGTH = 3
# A search box holds a few words, not an essay.
MAX_WORDS = 8


@dataclass(frozen=True)
class SearchIndex:
    """The trigram index of one kind of record."""

    fts_table: str  # SQLite
    trigram_index: str  # PostgreSQL
    # PostgreSQL, where the search text is stored: its column, and an index of live
    # records in list order that carries it.
    text_column: str | None = None
    walk_index: str | None = None


ORDERS = SearchIndex(
    fts_table="order_search",
    trigram_index="ix_orders_search_trgm",
    text_column="search_text",
    walk_index="ix_orders_live_received_walk",
)
CUSTOMERS = SearchIndex(fts_table="customer_search", trigram_index="ix_customers_search_trgm")
SEARCH_INDEXES = (ORDERS, CUSTOMERS)

# FTS5 keeps its data in shadow tables named after the virtual table.
FTS_SHADOW_SUFFIXES = ("", "_data", "_idx", "_docsize", "_config", "_content")


def is_search_object(name: str | None) -> bool:
    """Whether a table or index is one of the search structures the migrations manage
    outside the models (so schema comparisons leave it alone)."""
    if not name:
        return False
    return any(
        name in (index.trigram_index, index.text_column, index.walk_index)
        or any(name == index.fts_table + suffix for suffix in FTS_SHADOW_SUFFIXES)
        for index in SEARCH_INDEXES
    )


def words(text: str | None) -> list[str]:
    """The distinct words of a search, in order, at most ``MAX_WORDS``."""
    seen: dict[str, None] = {}
    for word in (text or "").split():
        seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def like_escape(word: str) -> str:
    r"""``%word%`` with LIKE's wildcards taken literally (use with ``escape='\\'``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _phrase(word: str) -> str:
    """``word`` as an FTS5 phrase; the trigram tokenizer matches a phrase anywhere."""
    return '"' + word.replace('"', '""') + '"'


def fts_ids(index: SearchIndex, terms: Sequence[str]) -> Select[Any]:
    """SQLite: ids of the records whose search text holds every one of ``terms``."""
    _check(terms)
    query = " AND ".join(_phrase(term) for term in terms)
    fts = table(index.fts_table)
    return (
        select(literal_column("rowid"))
        .select_from(fts)
        .where(literal_column(index.fts_table).op("MATCH")(query))
    )


def text_contains(search_text: Any, term: str) -> ColumnElement[bool]:
    """PostgreSQL: the search-text expression holds ``term``, ignoring case (the GIN
    index on exactly that expression finds the rows)."""
    _check([term])
    return search_text.ilike(like_escape(term), escape="\\")


def stored_text_contains(text_column: Any, term: str) -> ColumnElement[bool]:
    """PostgreSQL: a stored, lowercased search text holds ``term``, ignoring case — the
    rows ``text_contains`` finds, lowercased by the same database function."""
    _check([term])
    return text_column.like(func.lower(like_escape(term)), escape="\\")


def _check(terms: Sequence[str]) -> None:
    if not terms or any(len(term) < MIN_LENGTH for term in terms):
        raise ValueError(f"a trigram search needs words of {MIN_LENGTH} characters or more")


def joined(*fields: Any) -> Any:
    """Fields joined by single spaces, blanks as empty text, spaces written inline (the
    index expression and the query's must be the very same SQL)."""
    space: Any = literal_column("' '")
    expression: Any = None
    for field in fields:
        part = func.coalesce(field, literal_column("''")) if field.nullable else field
        if expression is not None:
            part = expression.op("||", return_type=String)(space).op("||", return_type=String)(part)
        expression = part
    return expression
