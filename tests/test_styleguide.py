"""The living style guide: every component of the design system, for signed-in people."""

from __future__ import annotations

from typing import Any

from presslog.orders import rules as order_rules
from tests.helpers import page_text


def test_the_style_guide_needs_a_signed_in_person(client: Any) -> None:
    answer = client.get("/styleguide")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_every_role_may_read_it_and_the_footer_links_it(as_role: Any) -> None:
    for role in ("viewer", "artist", "staff", "admin"):
        client = as_role(role)
        assert client.get("/styleguide").status_code == 200, role
        assert '<a href="/styleguide">Style guide</a>' in client.get("/orders").text


def test_it_shows_each_component(as_role: Any) -> None:
    page = as_role("staff").get("/styleguide").text
    text = page_text(page)
    assert page.count("<h1") == 1
    for heading in (
        "Page header",
        "Form fields",
        "Form actions",
        "Data table",
        "Empty state",
        "Pagination",
        "Filter bar",
        "Badges",
        "Toasts",
        "Confirm dialog",
        "Card and key-value list",
        "Buttons",
        "Theme colours",
    ):
        assert f">{heading}</h2>" in page, heading
    # The field macro: required mark, hint, error in the server's words.
    assert 'aria-hidden="true">*</span>' in page
    assert 'id="customer_po-hint"' in page
    assert order_rules.LOG.pattern_message in text
    assert 'aria-invalid="true"' in page
    # Sortable headers, status badges, the table caption.
    assert "sort-link" in page
    assert "status-badge status-production" in page
    assert "Sample orders" in text
    # Toasts (with Undo) and the confirm dialog's sample form.
    assert 'class="toast show toast-danger" role="alert"' in page
    assert ">Undo</button>" in page
    assert 'data-confirm="Delete this sample? Nothing is really deleted."' in page
    assert 'id="confirm-dialog"' in page
    assert "text-bg-primary" in page
    assert "not in macros.html yet" not in page, "a component's macro is missing"


def test_its_sample_confirm_and_download_work(as_role: Any) -> None:
    client = as_role("viewer")
    done = client.get("/styleguide?confirmed=1")
    assert done.status_code == 302
    assert "Sample deleted" in page_text(client.get("/styleguide").text)
    csv = client.get("/styleguide/sample.csv")
    assert csv.mimetype == "text/csv"
    assert 'filename="presslog-sample.csv"' in csv.headers["Content-Disposition"]
