"""The floor's people in a real browser: an officer takes a break from the workbench and the
supervisor's war report shows it live; a strained officer is prompted; a follow-up handed
back to the chatbot comes back done, live, through the platform's webhook and the tasks API;
and the pages fit a phone in Chinese."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from casehub.demo.bot_platform import BotPlatform
from escalation import floor
from escalation.jobs import deliver_webhook
from escalation.models import Department, WebhookDelivery
from tests.factories import CaseFactory, MembershipFactory, OfficerFactory, UserFactory
from tests.web.test_browser import LIVE_MS, page_for, people, wait_live

__all__ = ["people"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_break_taken_on_the_workbench_reaches_the_war_report_live(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    war_report = page_for(browser, server, people["supervisor"])
    war_report.goto(f"{server.origin}/dashboard/")
    wait_live(war_report)
    row = '#floor-team-panel tr[data-officer="officer"]'
    war_report.wait_for_selector(f'{row}[data-availability="available"]')
    war_report.evaluate("window.stillThisPage = true")

    workbench = page_for(browser, server, officer.user)
    workbench.goto(f"{server.origin}/workbench/")
    wait_live(workbench)
    workbench.click('#availability button[value="on_break"]')
    workbench.wait_for_selector('#availability[data-availability="on_break"]')
    assert workbench.get_attribute('#availability button[value="on_break"]', "aria-pressed") == (
        "true"
    )

    war_report.wait_for_selector(f'{row}[data-availability="on_break"]', timeout=LIVE_MS)
    assert war_report.evaluate("window.stillThisPage") is True
    officer.refresh_from_db()
    assert officer.availability == "on_break"


def test_a_strained_officer_is_prompted_live_and_can_take_the_break(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    workbench = page_for(browser, server, officer.user)
    workbench.goto(f"{server.origin}/workbench/")
    wait_live(workbench)
    assert workbench.query_selector("[data-break-prompt]") is None

    type(officer).objects.filter(pk=officer.pk).update(
        available_since=timezone.now() - timedelta(hours=5)
    )
    assert floor.refresh_strain() == {"strained": 1, "relieved": 0}  # as beat runs it

    workbench.wait_for_selector("[data-break-prompt]", timeout=LIVE_MS)
    assert "Time for a break." in workbench.inner_text("#availability")
    workbench.click('[data-break-prompt] button[value="on_break"]')
    workbench.wait_for_selector('#availability[data-availability="on_break"]')
    assert workbench.query_selector("[data-break-prompt]") is None


def test_a_follow_up_handed_back_to_the_bot_comes_back_done_live(live_site, people):
    server, browser = live_site
    officer = people["officer"]
    department = Department.objects.create(code="bot", name="Chatbot platform", webhook_secret="s")
    account = UserFactory(username="bot_platform", roles=["department_members"])
    MembershipFactory(department=department, user=account, is_lead=True)
    token = Token.objects.create(user=account)
    case = CaseFactory(
        officer=officer,
        state="investigating",
        channel="chat",
        context={"intent": "delivery_delay", "bot_transcript": "bot: 您好\ncustomer: 快递没到"},
    )
    platform = BotPlatform(api_url=f"{server.origin}/api/v1/", token=token.key, secret="s").start()
    try:
        Department.objects.filter(pk=department.pk).update(webhook_url=platform.webhook_url)
        page = page_for(browser, server, officer.user)
        page.goto(f"{server.origin}/cases/{case.pk}/")
        wait_live(page)
        assert "快递没到" in page.inner_text("#bot-card [data-bot-transcript]")

        page.fill("#id_follow_up", "Send the customer the new delivery slot")
        page.click("#bot-card button[type=submit]")
        page.wait_for_selector('#bot-card [data-task-state="open"]', timeout=LIVE_MS)
        delivery = WebhookDelivery.objects.get(department=department, event="task_assigned")
        deliver_webhook.apply(args=[delivery.pk])  # as a Celery worker delivers it

        page.wait_for_selector('#bot-card [data-task-state="done"]', timeout=LIVE_MS * 2)
        assert "Sent to the customer in the chat" in page.inner_text("#bot-card")
        page.wait_for_selector('[data-case-id] [data-case-state="investigating"]', timeout=LIVE_MS)
    finally:
        platform.stop()
    assert platform.refused == 0 and len(platform.completed) == 1


def test_the_floor_pages_fit_a_phone_in_chinese(live_site, people):
    server, browser = live_site
    OfficerFactory(user__username="tired", available_since=timezone.now() - timedelta(hours=6))
    for user, path, selector, heading in (
        (people["officer"].user, "/workbench/", "#availability", "我的状态"),
        (
            people["supervisor"],
            "/dashboard/",
            '#floor-team-panel tr[data-officer="tired"]',
            "在岗团队",
        ),
    ):
        page = page_for(browser, server, user, language="zh-hans", width=390, height=844)
        page.goto(f"{server.origin}{path}")
        page.wait_for_selector(selector)
        assert heading in page.inner_text("main"), path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
