"""The bell in a real browser: a rush order logged by someone else rings it without a
reload, and the e-mail the worker sends reaches a real SMTP server."""

from __future__ import annotations

import re
import time
from typing import Any

import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SITE_PASSWORD, wait_for_mail


def _api(site: dict[str, Any], path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(
        f"{site['url']}/api/v1{path}",
        json=body,
        headers={"Authorization": f"Bearer {site['token']}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_rush_order_rings_the_bell_without_a_reload_and_is_mailed(
    page: Page, mail_site: dict[str, Any]
) -> None:
    base = mail_site["url"]
    page.goto(f"{base}/login")
    page.get_by_label("Username or e-mail").fill("pat")
    page.get_by_label("Password").fill(SITE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    bell = page.get_by_role("link", name=re.compile("^Notifications"))
    expect(bell).to_be_visible()
    expect(bell).to_contain_text("0 unread")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # Lee, at another desk, logs a rush job through the API.
    _api(mail_site, "/customers", {"code": "BELL1", "name": "Bell Street Band"})
    started = time.monotonic()
    _api(
        mail_site,
        "/orders",
        {
            "log": "RING01",
            "customer": "BELL1",
            "title": "Rush tour shirts",
            "job_type": "DP",
            "rush": True,
        },
    )
    # The bell refreshes itself every 10 s: the count appears without a reload.
    expect(bell).to_contain_text("1 unread", timeout=15_000)
    assert time.monotonic() - started < 15
    assert navigations == []

    mail = wait_for_mail(mail_site["smtp"], "Rush order RING01: Rush tour shirts")
    assert mail["To"] == "pat@example.com"
    assert "/orders/RING01" in mail.get_body(("plain",)).get_content()

    bell.click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    page.get_by_role("link", name="Rush order RING01: Rush tour shirts").click()
    expect(page.get_by_role("heading", name=re.compile("RING01"), level=1)).to_be_visible()
