"""Search through the trigram indexes, exact totals from the tallies, deep pages, export.

Every test runs on SQLite and on PostgreSQL. Searches are checked against a plain-Python
statement of what a search means, so both databases give the same rows as it — and
therefore as each other.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from presslog.core import textsearch
from presslog.core.pagination import PageRequest
from presslog.core.transaction import transaction
from presslog.customers.models import Customer
from presslog.extensions import db
from presslog.orders import repository, service
from presslog.orders.models import Order, OrderTally
from presslog.orders.repository import OrderFilters
from tests.factories import CustomerFactory, OrderFactory
from tests.helpers import audit_events

PLACES = ["Pickerington", "Canal Winchester", "Grove City", "Westerville", "Dublin"]
MASCOTS = ["Eagles", "Tigers", "Panthers", "Bears"]
ITEMS = ["Team Shirts", "Sleeve Transfers", "Banner 3x6", "50% off sale signs", "Hoodies_2"]


@pytest.fixture
def corpus(app):
    """Sixty orders of eight customers, titles drawn from a small vocabulary."""
    rng = random.Random(7)
    customers = [
        CustomerFactory(code=code, name=name)
        for code, name in [
            ("PIC01", "Pickerington Boosters"),
            ("CAN02", "Canal Winchester Schools"),
            ("GRO03", "Grove City Church"),
            ("WES04", "Westerville Bowling League"),
            ("DUB05", "Dublin Eagles Club"),
            ("ACM99", "Acme Tees"),
            ("MAP01", "Maple Street Diner"),
            ("X7Y8Z", "Zed & Co"),
        ]
    ]
    day = date(2026, 1, 1)
    for n in range(60):
        OrderFactory(
            log=f"{30000 + n}",
            customer=rng.choice(customers),
            title=f"{rng.choice(PLACES)} {rng.choice(MASCOTS)} {rng.choice(ITEMS)}",
            customer_po=str(rng.randint(100000, 999999)) if rng.random() < 0.5 else None,
            art_log=f"A{n:04d}" if rng.random() < 0.5 else None,
            received_on=day + timedelta(days=n % 20),
            due_on=day + timedelta(days=n % 20 + 5),
        )
    db.session.commit()


def expected(q: str) -> list[str]:
    """What a search means, in Python: every word matches; a word of three characters
    or more is found inside the order's text (LOG, PO, art log, title) or its customer's
    (code, name), any case; shorter words and LOG-long numbers match whole."""
    rows = db.session.execute(
        select(
            Order.log, Order.customer_po, Order.art_log, Order.title, Customer.code, Customer.name
        )
        .join(Order.customer)
        .where(Order.deleted_at.is_(None))
        .order_by(Order.received_on.desc(), Order.id.desc())
    ).all()
    found = []
    for log, po, art_log, title, code, name in rows:
        texts = (f"{log} {po or ''} {art_log or ''} {title}".lower(), f"{code} {name}".lower())
        whole = {log, code, art_log or "", (po or "").upper()}
        if all(_means(word, whole, texts) for word in textsearch.words(q)):
            found.append(log)
    return found


def _means(word: str, whole: set[str], texts: tuple[str, str]) -> bool:
    if (word.isdigit() and len(word) >= 5) or len(word) < textsearch.MIN_LENGTH:
        return word.upper() in whole
    return any(word.lower() in text for text in texts)


def searched(q: str, per_page: int = 100) -> list[str]:
    page = repository.search(OrderFilters(q=q), None, PageRequest(per_page=per_page))
    assert page.total == len(expected(q)), q
    return [o.log for o in page.items]


SEARCHES = [
    "eagles",
    "EAGLES team",
    "pickerington",
    "Canal Winchester",
    "winch",
    "boosters shirts",
    "ACM99",
    "acm",
    "PIC01",
    "X7Y8Z",
    "30007",
    "3001",
    "A0004",
    "50%",
    "off_",
    "s_2",
    "eag",
    "ee",
    "x",
    "dublin eagles",
    'say "hi"',
    "nothing like it",
    "sleeve transfers dublin",
]


@pytest.mark.parametrize("q", SEARCHES)
def test_search_gives_what_a_search_means(corpus, q):
    assert searched(q) == expected(q)


def test_the_searches_find_something_and_narrow_down(corpus):
    # The corpus would be a poor judge if every search found nothing.
    assert len(expected("eagles")) > len(expected("eagles team")) > 0
    assert expected("ACM99")
    assert expected("30007") == ["30007"]


def test_random_word_searches_agree_with_the_meaning(corpus):
    rng = random.Random(11)
    vocabulary = [*" ".join(PLACES + MASCOTS + ITEMS).split(), "ACM", "Tees", "300", "zed"]
    for _ in range(40):
        words = rng.sample(vocabulary, k=rng.randint(1, 3))
        cut = [w[rng.randint(0, max(0, len(w) - 3)) :] for w in words]
        q = " ".join(cut)
        assert searched(q) == expected(q), q


# -- common searches: found by walking the list, not counted --------------------------


@pytest.fixture
def short_probe(monkeypatch):
    """Lists longer than 30 orders count as long: a search that fills its page among the
    first 30 is a common one (a million-order list tries its first 20,000)."""
    monkeypatch.setattr(repository, "PROBE_ROWS", 30)


def every_page(q: str, sort: str | None = None, per_page: int = 4) -> tuple[list[str], list]:
    """The logs of every page of a search, followed by next until there is none, and
    the pages themselves."""
    logs: list[str] = []
    pages = []
    for number in range(1, 100):
        page = repository.search(OrderFilters(q=q), sort, PageRequest(number, per_page))
        pages.append(page)
        logs.extend(o.log for o in page.items)
        if not page.has_next:
            return logs, pages
    raise AssertionError("a search that never ends")


def by_log(logs: list[str], desc: bool = False) -> list[str]:
    return sorted(logs, key=int, reverse=desc)


@pytest.mark.parametrize("q", [*SEARCHES, "eagles team", "grove", "zed tees", "winchester"])
def test_a_long_list_walks_to_each_page_of_a_common_search(corpus, short_probe, q):
    logs, pages = every_page(q)
    assert logs == expected(q)
    assert by_log(every_page(q, "-log")[0], desc=True) == every_page(q, "-log")[0]
    assert every_page(q, "log")[0] == by_log(expected(q))
    for page in pages:
        if page.total_exact:
            assert page.total == len(expected(q))
        else:  # a lower bound that a next page proves
            assert page.more
            assert page.has_next
            assert page.total == page.offset + page.per_page + 1 <= len(expected(q))


def test_a_common_search_is_not_counted_and_a_rare_one_is(corpus, short_probe):
    common = repository.search(OrderFilters(q="eagles"), None, PageRequest(1, 4))
    assert not common.total_exact
    assert common.total == 5
    assert common.has_next
    assert len(expected("eagles")) > 5
    rare = repository.search(OrderFilters(q="boosters shirts"), None, PageRequest(1, 4))
    assert rare.total_exact
    assert rare.total == len(expected("boosters shirts"))
    # Other sorts gather every match to sort them, so they count.
    by_title = repository.search(OrderFilters(q="eagles"), "title", PageRequest(1, 4))
    assert by_title.total_exact
    assert by_title.total == len(expected("eagles"))


def test_a_short_list_counts_every_search(corpus):
    # 60 orders are far fewer than the rows a search tries before it stops counting.
    page = repository.search(OrderFilters(q="eagles"), None, PageRequest(1, 4))
    assert page.total_exact
    assert page.total == len(expected("eagles"))


def test_other_filters_narrow_the_walk(corpus, short_probe):
    filters = OrderFilters(q="eagles", job_type="TR")
    logs = []
    for number in range(1, 30):
        page = repository.search(filters, None, PageRequest(number, 2))
        logs.extend(o.log for o in page.items)
        if not page.has_next:
            break
    plain = db.session.execute(
        select(Order.log)
        .where(*repository._conditions(filters))
        .order_by(Order.received_on.desc(), Order.id.desc())
    ).scalars()
    assert logs == list(plain)


def test_letters_beyond_ascii_match_in_any_case_on_the_walk(corpus, short_probe):
    customer = db.session.execute(select(Customer).where(Customer.code == "ACM99")).scalar_one()
    for n in range(6):
        OrderFactory(
            log=f"{31000 + n}",
            customer=customer,
            title=f"CAFÉ ZOË Team {n}",
            received_on=date(2026, 3, 1),
        )
    db.session.commit()
    for q in ("zoë", "ZOË", "café zoë", "é"):
        logs, _pages = every_page(q)
        assert logs == expected(q), q
    assert len(expected("zoë")) == 6


def test_an_uncounted_list_says_many_and_has_no_last_page(corpus, short_probe, as_role):
    client = as_role("viewer")
    html = client.get("/orders?q=eagles&per_page=4").get_data(as_text=True)
    assert "1–4 of many" in html
    assert 'aria-label="Last page"' in html
    assert "(not counted: add a word or a filter to narrow the search)" in html
    api = as_role("viewer").get("/api/v1/orders?q=eagles&per_page=4")
    body = api.get_json()
    assert (body["total"], body["total_exact"], len(body["items"])) == (5, False, 4)
    assert 'rel="next"' in api.headers["Link"]
    assert 'rel="last"' not in api.headers["Link"]
    assert "X-Total-Count" not in api.headers
    counted = as_role("viewer").get("/api/v1/orders?q=boosters%20shirts&per_page=4")
    assert counted.get_json()["total_exact"] is True
    assert 'rel="last"' in counted.headers["Link"]
    assert counted.headers["X-Total-Count"] == str(len(expected("boosters shirts")))


def test_the_index_follows_edits_renames_and_deletes(corpus, make_user):
    actor = make_user("staff")
    order = db.session.execute(select(Order).where(Order.log == "30001")).scalar_one()
    with transaction():
        service.update_order(
            log="30001",
            data={"title": "Quokka Festival Aprons"},
            expected_version=order.version,
            actor=actor,
        )
    assert searched("quokka") == ["30001"]
    assert "30001" not in searched("Eagles Team Shirts")

    customer = db.session.execute(select(Customer).where(Customer.code == "MAP01")).scalar_one()
    customer.name = "Wombat Lanes"
    db.session.commit()
    assert searched("wombat") == expected("wombat") != []
    assert searched("maple street") == []

    with transaction():
        service.delete_order(log="30001", expected_version=None)
    assert searched("quokka") == []
    trash = repository.search(OrderFilters(q="quokka", deleted=True), None, PageRequest())
    assert [o.log for o in trash.items] == ["30001"]

    db.session.execute(Order.__table__.delete().where(Order.log == "30002"))
    db.session.commit()
    assert "30002" not in searched("3000")


def test_short_and_numeric_words_use_indexes_not_the_trigram_search(corpus):
    with pytest.raises(ValueError, match="characters or more"):
        textsearch.fts_ids(textsearch.ORDERS, ["ab"])
    assert searched("ee") == []
    assert searched("30007") == ["30007"]


# -- totals from the tallies --------------------------------------------------------------


def counted() -> dict[tuple[bool, str, str], int]:
    rows = db.session.execute(
        select(Order.deleted_at.is_not(None), Order.status, Order.job_type, func.count()).group_by(
            Order.deleted_at.is_not(None), Order.status, Order.job_type
        )
    )
    return {(bool(d), s, j): n for d, s, j, n in rows}


def tallied() -> dict[tuple[bool, str, str], int]:
    rows = db.session.execute(select(OrderTally)).scalars()
    return {(bool(t.deleted), t.status, t.job_type): t.orders for t in rows if t.orders}


def test_tallies_stay_exact_through_every_kind_of_change(corpus, make_user):
    assert tallied() == counted()
    actor = make_user("staff")
    rng = random.Random(3)
    logs = [f"{30000 + n}" for n in range(60)]
    for log in rng.sample(logs, 15):
        order = service.get_order(log, include_deleted=True)
        with transaction():
            if order.deleted_at is not None:
                service.restore_order(log=log)
            elif order.status == "received":
                service.change_status(
                    log=log, to_status="art", expected_version=order.version, actor=actor
                )
            else:
                service.delete_order(log=log, expected_version=order.version)
        assert tallied() == counted()
    with transaction():
        service.update_order(
            log=logs[0], data={"job_type": "DP"}, expected_version=None, actor=actor
        )
    db.session.execute(Order.__table__.delete().where(Order.log.in_(logs[:5])))
    db.session.commit()
    assert tallied() == counted()


def test_totals_and_pages_agree_with_a_plain_count(corpus):
    for filters in (
        OrderFilters(),
        OrderFilters(status="received"),
        OrderFilters(job_type="TR", status="received"),
        OrderFilters(deleted=True),
        OrderFilters(q="eagles", job_type="TR"),
        OrderFilters(received_from=date(2026, 1, 5)),
    ):
        plain = db.session.execute(
            select(func.count()).select_from(Order).where(*repository._conditions(filters))
        ).scalar_one()
        page = repository.search(filters, None, PageRequest(per_page=7))
        assert page.total == plain, filters


@pytest.mark.parametrize(
    "sort", ["-received_on", "due_on", "-due_on", "customer", "title", "-total"]
)
def test_every_page_is_the_slice_of_the_whole_sorted_list(corpus, sort):
    whole = [
        o.log
        for o in db.session.execute(repository.search_statement(OrderFilters(), sort)).scalars()
    ]
    pages = []
    for number in range(1, 10):
        page = repository.search(OrderFilters(), sort, PageRequest(page=number, per_page=7))
        pages.extend(o.log for o in page.items)
    assert pages == whole
    beyond = repository.search(OrderFilters(), sort, PageRequest(page=50, per_page=7))
    assert beyond.items == []
    assert beyond.total == 60


# -- statements per page ------------------------------------------------------------------


class Statements:
    """Counts the SQL statements sent while it is active."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self)


LIST_PAGES = [
    "/orders?per_page={n}",
    "/orders?q=eagles&per_page={n}",
    "/orders?status=received&sort=-due_on&per_page={n}",
    "/orders/grid?per_page={n}",
    "/customers?per_page={n}",
    "/admin/audit?per_page={n}",
    "/admin/users?per_page={n}",
    "/api/v1/orders?per_page={n}",
    "/api/v1/customers?per_page={n}",
    "/board",
    "/reports/due-outs?from=2026-01-01&to=2026-12-31&per_page={n}",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_a_list_page_sends_as_many_statements_for_many_rows_as_for_few(corpus, as_role, url):
    client = as_role("admin")
    for n in range(12):  # users and audit events to list
        client.get(f"/orders/{30000 + n}")
    counts = []
    for n in (5, 50):
        client.get(url.format(n=n))  # warm: the session's user, caches
        with Statements() as statements:
            response = client.get(url.format(n=n))
        assert response.status_code == 200, url
        counts.append(statements.count)
    assert counts[0] == counts[1], (url, counts)


# -- CSV export ---------------------------------------------------------------------------


def test_the_order_export_streams_every_matching_order_as_csv(corpus, as_role):
    client = as_role("staff")
    response = client.get("/orders/export.csv?q=eagles&sort=log")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["log"] for r in rows] == sorted(expected("eagles"))
    first = rows[0]
    assert set(first) >= {"log", "customer", "title", "status", "due_on", "total", "rush"}
    assert first["rush"] in ("true", "false")
    assert len(first["total"].split(".")[1]) == 2
    date.fromisoformat(first["received_on"])
    assert audit_events("export")[-1].entity_key == "orders"


def test_the_export_needs_the_export_capability(corpus, as_role):
    assert as_role("viewer").get("/orders/export.csv").status_code == 403
    assert as_role("artist").get("/orders/export.csv").status_code == 403


def test_a_reversed_date_range_is_named(corpus, as_role):
    page = as_role("staff").get("/orders?due_from=2026-02-01&due_to=2026-01-01")
    assert "&#39;due_to&#39; is before &#39;due_from&#39;" in page.text
