"""Peak-season pages in a real browser: a surge reaches an open review queue live, a
supervisor broadcasts from the form and the case page shows the notice being sent live, and
the pages fit a phone in Chinese.

The server runs on Redis with the test; the surge check and the notices job run here, as a
Celery worker would, so what they send reaches the open pages through the channel layer.
"""

from __future__ import annotations

import pytest

from core import roles
from peak import notices, surges
from tests.factories import CaseFactory, CustomerFactory, UserFactory
from tests.web.test_browser import LIVE_MS, page_for, people, wait_live

__all__ = ["people"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_surge_appears_on_the_open_review_queue_live(live_site, people):
    server, browser = live_site
    kb = UserFactory(username="kb1", roles=[roles.KNOWLEDGE_TEAM])
    page = page_for(browser, server, kb)
    page.goto(f"{server.origin}/knowledge/review/")
    wait_live(page)
    page.wait_for_selector("#surges-panel .muted")
    page.evaluate("window.stillThisPage = true")
    war_report = page_for(browser, server, people["supervisor"])
    war_report.goto(f"{server.origin}/dashboard/")
    wait_live(war_report)
    war_report.wait_for_selector('#peak-panel [data-figure="green-points"]')
    assert "No surges" in war_report.inner_text("#peak-panel")

    for n in range(22):
        CaseFactory(
            category="delivery",
            title="Parcel stuck in transit" if n % 2 else "快递一周没有更新",
            context={"intent": "parcel_stuck"},
        )
    [surge] = surges.check().opened

    page.wait_for_selector('#surges-panel [data-surge-state="open"]', timeout=LIVE_MS)
    text = page.inner_text("#surges-panel")
    assert "delivery / parcel_stuck" in text and "22 in 15 minutes" in text
    assert page.evaluate("window.stillThisPage") is True
    war_report.wait_for_selector('#peak-panel [data-surge-state="open"]', timeout=LIVE_MS)
    assert "delivery / parcel_stuck" in war_report.inner_text("#peak-panel")
    page.click("#surges-panel a")  # the urgent request the surge raised
    page.wait_for_url(f"**/knowledge/requests/{surge.knowledge_request_id}/")
    assert "快递一周没有更新 (11)" in page.inner_text("main")


def test_a_broadcast_from_the_form_reaches_the_case_page_as_it_is_sent(live_site, people):
    server, browser = live_site
    customer = CustomerFactory(
        contact_preferences={"channels": ["paper", "app"], "electronic_only": True}
    )
    case = CaseFactory(
        customer=customer,
        officer=people["officer"],
        state="investigating",
        category="delivery",
        context={"intent": "parcel_stuck"},
    )
    watcher = page_for(browser, server, people["officer"].user)
    watcher.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(watcher)
    watcher.wait_for_selector("#notices-panel [data-preferences]")
    assert "electronic only" in watcher.inner_text("#notices-panel")

    form = page_for(browser, server, people["supervisor"])
    form.goto(f"{server.origin}/broadcasts/")
    form.fill("#broadcast-intent", "parcel_stuck")
    form.fill("#broadcast-message", "The Pudong depot reopens tomorrow; parcels move then.")
    with form.expect_navigation():
        form.click(".broadcast-form button[type=submit]")
    assert form.get_attribute("[data-broadcast][data-cases]", "data-cases") == "1"
    assert "Sent to 1 open case." in form.inner_text("main")

    assert notices.send_due() == 1  # the notices job, as a worker runs it
    watcher.wait_for_selector(
        '#notices-panel [data-notice-kind="broadcast"][data-notice-status="sent"]', timeout=LIVE_MS
    )
    row = watcher.inner_text('#notices-panel [data-notice-kind="broadcast"]')
    assert "App push" in row and "Paper letter" in row  # sent by app, instead of a letter


@pytest.mark.parametrize("width", [390])
def test_the_peak_pages_fit_a_phone_in_chinese(live_site, people, width):
    server, browser = live_site
    case = CaseFactory(officer=people["officer"], state="assigned", context={"intent": "x"})
    from escalation.services import record_event

    record_event(case=case, kind="assign", payload={})
    notices.collect()
    notices.send_due()
    page = page_for(
        browser, server, people["supervisor"], language="zh-hans", width=width, height=844
    )

    page.goto(f"{server.origin}/broadcasts/")
    assert "广播" in page.inner_text("h1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"{server.origin}/cases/{case.pk}/")
    page.wait_for_selector('#notices-panel [data-notice-kind="assigned"]')
    assert "给客户的通知" in page.inner_text("#notices-panel")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
