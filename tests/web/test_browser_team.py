"""Badges in a real browser: resolving a P1 within its SLA shows the officer a badge notice
live and moves the war report's leaderboard without a reload; praise recorded from the case
page's form earns its badge the same way.

The server runs on Redis with the test. A resolution made here (as the API would) runs its
at-once evaluation here, eagerly, as a Celery worker would; the praise posted by the browser
queues its job on the server's broker, which no worker serves in this test, so the catch-up
job runs here instead — the path that catches anything the at-once job missed.
"""

from __future__ import annotations

import os

import pytest

from escalation import services
from escalation.sla import clocks
from team import awards
from team.badges import DEFAULT_NAMES
from team.models import Badge
from tests.escalation.live_server import asgi_server
from tests.factories import CaseFactory
from tests.web.browser import chromium, require_chromium
from tests.web.test_browser import LIVE_MS, page_for, people, wait_live

__all__ = ["people"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_site(tmp_path, monkeypatch):
    require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does
    for code, default in DEFAULT_NAMES.items():  # a transactional flush removed the seeded rows
        Badge.objects.get_or_create(
            code=code,
            defaults={"name": default.english, "points": default.points, "threshold": 10},
        )
    with asgi_server(tmp_path, redis_url=os.environ["REDIS_URL"]) as server, chromium() as browser:
        yield server, browser


def p1_case(officer, **fields):
    case = CaseFactory(officer=officer, state="investigating", priority="P1", **fields)
    services.record_event(case=case, kind="created", payload={"priority": "P1"})
    services.record_event(case=case, kind="assign", payload={"officer": officer.user.username})
    clocks.start_case_clocks(case)
    return case


def test_a_p1_resolved_within_its_sla_shows_the_badge_live(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    case = p1_case(officer)
    workbench = page_for(browser, server, officer.user)
    workbench.goto(f"{server.origin}/workbench/")
    wait_live(workbench)
    workbench.wait_for_selector('#my-badges [data-my-points="0"]')
    workbench.evaluate("window.stillThisPage = true")
    war_report = page_for(browser, server, people["supervisor"])
    war_report.goto(f"{server.origin}/dashboard/")
    wait_live(war_report)
    war_report.wait_for_selector("#team-panel [data-leaderboard-empty]")
    war_report.evaluate("window.stillThisPage = true")

    services.case_transition(
        case=case, actor=officer.user, name="resolve", resolution="Replaced the compressor."
    )

    workbench.wait_for_selector("#toasts .toast >> text=New badge: P1 within SLA", timeout=LIVE_MS)
    workbench.wait_for_selector('#my-badges [data-my-points="20"]', timeout=LIVE_MS)
    assert workbench.is_visible('#my-badges [data-badge="p1_within_sla"]')
    war_report.wait_for_selector(
        '#team-panel [data-officer="officer"][data-points="20"][data-badges="1"]', timeout=LIVE_MS
    )
    assert workbench.evaluate("window.stillThisPage") is True
    assert war_report.evaluate("window.stillThisPage") is True


def test_praise_from_the_case_page_earns_the_badge_live(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    case = p1_case(officer, title="Fridge warm again")
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(page)
    page.wait_for_selector("#praise-panel textarea[name=note]")
    page.evaluate("window.stillThisPage = true")
    war_report = page_for(browser, server, people["supervisor"])
    war_report.goto(f"{server.origin}/dashboard/")
    wait_live(war_report)
    war_report.wait_for_selector("#team-panel [data-leaderboard-empty]")

    # The supervisor passes the customer's praise on (an officer's own earns nothing).
    praiser = page_for(browser, server, people["supervisor"])
    praiser.goto(f"{server.origin}/cases/{case.pk}/")
    praiser.wait_for_selector("#praise-panel textarea[name=note]")
    praiser.fill("#praise-note", "客户来电表扬：上门及时")
    praiser.click("#praise-panel button[type=submit]")
    praiser.wait_for_selector("#praise-panel [data-praise-recorded]", timeout=LIVE_MS)
    page.wait_for_selector("#case-timeline >> text=客户来电表扬：上门及时", timeout=LIVE_MS)

    assert [a.badge.code for a in awards.catch_up()] == ["praise"]  # as the worker would

    page.wait_for_selector("#toasts .toast >> text=New badge: Customer praise", timeout=LIVE_MS)
    war_report.wait_for_selector(
        '#team-panel [data-officer="officer"][data-points="15"]', timeout=LIVE_MS
    )
    assert page.evaluate("window.stillThisPage") is True


def test_the_leaderboard_and_praise_fit_a_phone_in_chinese(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    case = p1_case(officer)
    services.case_transition(case=case, actor=officer.user, name="resolve", resolution="OK")
    page = page_for(
        browser, server, people["supervisor"], language="zh-hans", width=390, height=844
    )
    page.goto(f"{server.origin}/dashboard/")
    page.wait_for_selector('#team-panel [data-officer="officer"]')
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"{server.origin}/cases/{case.pk}/")
    page.wait_for_selector("#praise-panel textarea[name=note]")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
