"""Journeys in a real browser against the real ASGI server (uvicorn), live over websockets.

Each test commits (the server reads the same PostgreSQL database) and needs Chromium; the
department's side acts through the REST API with its token, as a department system would.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core import live, roles
from escalation import taskgroups
from escalation.sla import clocks
from tests.compensation.factories import KindFactory, PolicyFactory
from tests.escalation.conftest import soon
from tests.escalation.live_server import ROOT, asgi_server
from tests.factories import (
    CaseFactory,
    DepartmentFactory,
    MembershipFactory,
    OfficerFactory,
    UserFactory,
)
from tests.web.browser import UNNAMED_CONTROLS, chromium, require_chromium, session_cookie

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
#: How long a change may take to reach an open page. Generous for a loaded CI machine;
#: a change that never arrives still fails.
LIVE_MS = 10000


@pytest.fixture
def server(tmp_path):
    require_chromium()
    with asgi_server(tmp_path) as running:
        yield running


@pytest.fixture
def browser(server, monkeypatch):
    """Chromium, once the server runs: Playwright's sync API keeps an event loop in this
    thread, so the test's own (sync) database calls are allowed beside it, for this test
    only and never in the server's environment."""
    require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as running:
        yield running


@pytest.fixture
def people(db, sla_policy):
    supervisor = UserFactory(username="supervisor", roles=[roles.SUPERVISORS])
    officer = OfficerFactory(user__username="officer", level=2, lead=supervisor, skills=["install"])
    logistics = DepartmentFactory(code="logistics", name="Logistics")
    tech = DepartmentFactory(code="tech", name="Technical support")
    members = {}
    for department in (logistics, tech):
        user = UserFactory(username=f"{department.code}_member", roles=[roles.DEPARTMENT_MEMBERS])
        MembershipFactory(user=user, department=department)
        members[department.code] = user
    return {"officer": officer, "supervisor": supervisor, "members": members}


def page_for(browser, server, user, *, language="en", width=1366, height=768):
    context = browser.new_context(
        viewport={"width": width, "height": height},
        extra_http_headers={"Accept-Language": language},
    )
    context.add_cookies([session_cookie(user, server.origin)])
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    return page


def api(server, user, method, path, body=None):
    token, _ = Token.objects.get_or_create(user=user)
    request = urllib.request.Request(
        server.origin + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token.key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def wait_live(page):
    page.wait_for_selector('body[data-live="connected"]', timeout=LIVE_MS)


def one_task_for(member, case, *, title="Check the unit", group_title="Check"):
    """A task group on ``case``, opened by its officer, with one task for ``member``."""
    group = taskgroups.task_group_open(
        case=case,
        actor=case.officer.user,
        title=group_title,
        tasks=[
            {
                "department": member.department_memberships.get().department,
                "assignee": member,
                "title": title,
                "due_at": soon(),
            }
        ],
    )
    return group.tasks.get()


def test_an_officer_takes_a_case_forms_a_group_and_sees_a_department_finish_live(
    server, browser, people
):
    officer = people["officer"]
    case = CaseFactory(title="Air conditioner dead", category="install", state="new")
    clocks.start_case_clocks(case)
    page = page_for(browser, server, officer.user)

    page.goto(f"{server.origin}/workbench/?view=unassigned")
    page.click(f'tr[data-case-id="{case.pk}"] button[name="transition"][value="assign"]')
    page.wait_for_selector(f'[data-case-id="{case.pk}"] [data-case-state="assigned"]')
    wait_live(page)
    page.click('button[name="transition"][value="start"]')
    page.wait_for_selector('[data-case-state="investigating"]')

    in_two_days = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.click("text=Form a task group")
    page.fill("#group-title", "Install")
    for row, (code, task) in enumerate([("logistics", "Book a slot"), ("tech", "Check the unit")]):
        page.select_option(f"#tasks-{row}-department", code)
        page.select_option(f"#tasks-{row}-assignee", f"{code}_member")
        page.fill(f"#tasks-{row}-title", task)
        page.fill(f"#tasks-{row}-due_at", in_two_days)
    page.click("text=Form the group")
    page.wait_for_selector('[data-case-state="awaiting_departments"]')
    assert page.locator("[data-task-id]").count() == 2
    page.evaluate("window.stillThisPage = true")

    member = people["members"]["logistics"]
    (task,) = api(server, member, "GET", "/api/v1/tasks/?department=logistics")["results"]
    api(
        server, member, "POST", f"/api/v1/tasks/{task['id']}/transitions/", {"transition": "accept"}
    )
    api(
        server,
        member,
        "POST",
        f"/api/v1/tasks/{task['id']}/transitions/",
        {"transition": "complete", "outcome": "Booked for 14:00"},
    )

    page.wait_for_selector(
        f'[data-task-id="{task["id"]}"] [data-task-state="done"]', timeout=LIVE_MS
    )
    assert page.evaluate("window.stillThisPage") is True  # updated in place, no reload
    assert "Booked for 14:00" in page.inner_text("#case-timeline")


def test_a_department_member_works_a_task_on_the_board(server, browser, people):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    member = people["members"]["tech"]
    task = one_task_for(member, case)
    page = page_for(browser, server, member)
    page.goto(f"{server.origin}/departments/tech/")
    wait_live(page)
    card = f'[data-task-id="{task.pk}"]'

    page.click(f'{card} button[name="transition"][value="accept"]')
    page.wait_for_selector(f'{card} [data-task-state="accepted"]')
    page.fill(f"#task-{task.pk}-outcome", "Replaced the compressor")
    page.click(f'{card} button[name="transition"][value="complete"]')

    page.wait_for_selector(f'{card} [data-task-state="done"]', timeout=LIVE_MS)
    assert page.locator(f'{card} [data-clock="task_due"]').count() <= 1


def test_a_grant_within_the_cap_and_one_that_needs_approval(server, browser, people):
    PolicyFactory(role="level_2")
    KindFactory(code="coupon")
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(page)
    page.wait_for_selector("#grant-amount")

    page.fill("#grant-amount", "50")
    page.fill("#grant-reason", "Late install")
    page.click("#compensation-panel button:has-text('Grant')")
    # The panel is refreshed by the grant's own live event: wait on the grants it lists.
    page.wait_for_selector(
        '#compensation-panel li[data-grant-state="approved"], '
        '#compensation-panel li[data-grant-state="issued"]'
    )

    page.fill("#grant-amount", "300")
    page.fill("#grant-reason", "Second visit")
    page.click("#compensation-panel button:has-text('Grant')")
    page.wait_for_selector('#compensation-panel li[data-grant-state="pending_approval"]')
    assert page.locator('li[data-grant-state="pending_approval"]').count() == 1
    assert case.compensations.get(state="pending_approval").amount == Decimal("300")


def test_a_stale_form_gets_the_409_and_the_page_shows_the_change(server, browser, people):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(page)
    page.fill("#t-resolve-resolution", "Replaced the unit")  # typing: the form is kept

    api(
        server,
        people["supervisor"],
        "POST",
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "wait_for_customer"},
    )
    page.wait_for_selector('#case-header [data-case-state="awaiting_customer"]', timeout=LIVE_MS)
    page.click('button[name="transition"][value="resolve"]')

    refusal = page.wait_for_selector('.refusal[data-status="409"]')
    assert "supervisor is waiting for the customer." in refusal.inner_text()
    case.refresh_from_db()
    assert case.state == "awaiting_customer"


def test_markup_in_a_title_description_and_thread_message_shows_as_text(server, browser, people):
    officer = people["officer"]
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    case = CaseFactory(officer=officer, state="investigating", title=payload, description=payload)
    task = one_task_for(people["members"]["tech"], case, title=payload, group_title=payload)
    taskgroups.task_message_post(task=task, actor=officer.user, body=payload)
    page = page_for(browser, server, officer.user)

    page.goto(f"{server.origin}/cases/{case.pk}/")
    page.wait_for_selector(".thread")

    assert payload in page.inner_text("#case-header h1")
    assert payload in page.inner_text(".thread .messages")
    assert page.locator("img[src=x]").count() == 0
    assert page.dialogs == []


def test_the_pages_in_simplified_chinese(server, browser, people):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    page = page_for(browser, server, officer.user, language="zh-hans")

    page.goto(f"{server.origin}/workbench/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert "工作台" in page.inner_text("h1")
    page.goto(f"{server.origin}/cases/{case.pk}/")
    assert "时间线" in page.inner_text("#case-timeline h2")
    board = page_for(browser, server, people["members"]["tech"], language="zh-hans")
    board.goto(f"{server.origin}/departments/tech/")
    assert board.get_attribute("html", "lang") == "zh-hans"
    assert "任务" in board.inner_text("h1")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_workbench_and_war_report_fit_without_sideways_scrolling(
    server, browser, people, width
):
    officer = people["officer"]
    for n in range(5):
        clocks.start_case_clocks(
            CaseFactory(officer=officer, state="assigned", title=f"Long title number {n} " * 4)
        )
    page = page_for(browser, server, officer.user, width=width, height=768 if width > 400 else 844)
    page.goto(f"{server.origin}/workbench/")
    page.wait_for_selector("[data-case-id]")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"{server.origin}/dashboard/")  # the war report's charts and tables too
    page.wait_for_selector("img.chart")
    page.evaluate("document.querySelectorAll('details.numbers').forEach(d => d.open = true)")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_every_input_and_button_has_an_accessible_name(server, browser, people):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    CaseFactory(state="new")
    member = people["members"]["tech"]
    checked = {}
    page = page_for(browser, server, officer.user)
    for url in ("/workbench/?view=unassigned", f"/cases/{case.pk}/"):
        page.goto(server.origin + url)
        page.wait_for_load_state("networkidle")
        checked[url] = page.evaluate(UNNAMED_CONTROLS)
    page = page_for(browser, server, member)
    page.goto(f"{server.origin}/departments/tech/")
    checked["board"] = page.evaluate(UNNAMED_CONTROLS)

    assert checked == {url: [] for url in checked}


def test_the_workbench_keys_move_search_help_and_open_while_countdowns_tick(
    server, browser, people
):
    officer = people["officer"]
    for n in range(3):  # every title holds "j", so a search for it keeps them all listed
        clocks.start_case_clocks(
            CaseFactory(officer=officer, state="assigned", title=f"Fridge jammed {n}")
        )
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/workbench/")
    ids = page.eval_on_selector_all(
        "#case-list tr[data-case-id]", "rows => rows.map(row => row.dataset.caseId)"
    )
    assert len(ids) == 3
    left = f'tr[data-case-id="{ids[0]}"] [data-clock] .clock-left'
    shown = page.inner_text(left)
    page.wait_for_function(
        "([selector, shown]) => document.querySelector(selector).textContent !== shown",
        arg=[left, shown],
        timeout=2500,
    )

    def selected():
        return page.eval_on_selector_all(
            "#case-list tr.selected[aria-selected=true]", "rows => rows.map(r => r.dataset.caseId)"
        )

    page.keyboard.press("?")
    assert page.is_visible("#keys-help")
    page.keyboard.press("?")
    assert not page.is_visible("#keys-help")
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    assert not page.is_visible("#keys-help")

    page.keyboard.press("j")
    page.keyboard.press("j")
    assert selected() == [ids[1]]
    page.keyboard.press("k")
    assert selected() == [ids[0]]

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("j")  # typed into the search, not taken as a key
    assert page.input_value("#id_q") == "j"
    assert selected() == [ids[0]]
    page.keyboard.press("Escape")  # leaves the search box
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.origin}/cases/{ids[0]}/")


def test_on_the_case_page_an_answer_copies_and_a_notification_arrives_live(
    server, browser, people, publish
):
    answer = publish(title="Thermostat resets", body="Hold the reset button for ten seconds.")
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating", title="Thermostat keeps resetting")
    member = people["members"]["tech"]
    task = one_task_for(member, case)
    page = page_for(browser, server, officer.user)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.origin)
    page.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(page)
    page.evaluate("window.stillThisPage = true")
    assert page.inner_text("#unread-count") == "0"

    copy = page.wait_for_selector(f'[data-copy="#answer-{answer.pk}"]')
    copy.click()
    page.wait_for_function("el => el.textContent === 'Copied'", arg=copy)
    assert "Hold the reset button for ten seconds." in page.evaluate(
        "navigator.clipboard.readText()"
    )

    for transition in ({"transition": "accept"}, {"transition": "complete", "outcome": "Fixed"}):
        api(server, member, "POST", f"/api/v1/tasks/{task.pk}/transitions/", transition)
    toast = page.wait_for_selector("#toasts .toast", timeout=LIVE_MS)
    assert "every required task is finished" in toast.inner_text()
    assert page.inner_text("#unread-count") == "1"
    assert page.evaluate("window.stillThisPage") is True


@pytest.fixture
def server_on_redis(tmp_path):
    """The server and this test share Redis: the sweeper runs here, as a worker would."""
    require_chromium()
    with asgi_server(tmp_path, redis_url=os.environ["REDIS_URL"]) as running:
        yield running


@pytest.mark.redis
def test_a_breach_the_sweeper_raises_moves_the_war_report_live(
    server_on_redis, people, monkeypatch
):
    from escalation import services

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does
    with chromium() as browser:
        breach_moves_the_war_report(server_on_redis, browser, people, services)


def breach_moves_the_war_report(server, browser, people, services):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating", title="Boiler still cold")
    [resolution] = [c for c in clocks.start_case_clocks(case) if c.kind == "resolution"]
    page = page_for(browser, server, people["supervisor"])
    page.goto(f"{server.origin}/dashboard/")
    wait_live(page)
    page.evaluate("window.stillThisPage = true")
    breaches = '[data-figure="breaches-today"]'
    assert page.inner_text(breaches).strip() == "0"

    past = timezone.now() - timedelta(minutes=1)
    type(resolution).objects.filter(pk=resolution.pk).update(due_at=past, warn_at=past)
    assert services.sla_sweep().breached == 1

    page.wait_for_function(
        "selector => document.querySelector(selector).textContent.trim() === '1'",
        arg=breaches,
        timeout=LIVE_MS,
    )
    assert page.evaluate("window.stillThisPage") is True
    assert "Breaches" in page.text_content('[data-table="breaches-today"]')

    # Five events 0.3 s apart: a refresh at once, then at most one a second, and one after
    # the last event (what it changed is shown too).
    page.wait_for_timeout(1200)
    page.evaluate(
        """() => { window.refreshes = []; document.body.addEventListener("htmx:beforeRequest",
             (event) => { if (event.detail.elt.id === "war-report") {
               window.refreshes.push(performance.now()); } }); }"""
    )
    sent = []
    for n in range(5):
        event = {"type": "case.updated", "id": case.pk, "event_id": 10**9 + n}
        live.send([live.FLOOR_GROUP], event)
        page.wait_for_timeout(300)
        sent.append(page.evaluate("performance.now()"))
    page.wait_for_timeout(2000)
    fetched = page.evaluate("window.refreshes")
    assert 2 <= len(fetched) <= 3, fetched
    assert all(later - earlier >= 950 for earlier, later in itertools.pairwise(fetched)), fetched
    assert fetched[-1] > sent[-2], (fetched, sent)  # the burst's last events are shown too


@pytest.fixture
def issuing_worker(server_on_redis, tmp_path):
    """A real Celery worker on the server's Redis broker, as production issues grants."""
    from tests.escalation.live_server import shared_database_url

    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CASEHUB_TEST_REPORT_TO": f"issued-{server_on_redis.port}",
        "CASEHUB_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "worker.log").open("w")
    command = [sys.executable, "-m", "celery", "-A", "tests.escalation.celery_probe", "worker"]
    command += ["--pool", "threads", "--concurrency", "1", "--loglevel", "warning"]
    command += ["--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()


@pytest.mark.redis
def test_a_supervisor_approves_in_a_second_browser_and_the_officer_sees_it_issued(
    server_on_redis, issuing_worker, people, monkeypatch
):
    from compensation import services

    server = server_on_redis
    PolicyFactory(role="level_2")
    PolicyFactory(role="supervisor", per_grant_limit=Decimal("2000"))
    coupon = KindFactory(code="coupon")
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating", title="Fridge died twice")
    pending = services.grant_request(
        actor=officer.user,
        case=case,
        kind=coupon,
        amount=Decimal("250"),  # above level 2's 200 per grant
        currency="CNY",
        reason="Food spoiled",
    )
    assert pending.state == "pending_approval"

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # as the browser fixture does
    with chromium() as browser:
        officer_page = page_for(browser, server, officer.user)
        officer_page.goto(f"{server.origin}/cases/{case.pk}/")
        wait_live(officer_page)
        officer_page.wait_for_selector(
            '#compensation-panel li[data-grant-state="pending_approval"]'
        )
        officer_page.evaluate("window.stillThisPage = true")

        supervisor_page = page_for(browser, server, people["supervisor"])
        supervisor_page.goto(f"{server.origin}/approvals/")
        wait_live(supervisor_page)
        # Waits for a decision and, near the cap, for the review: two in the navigation.
        assert supervisor_page.inner_text("#approvals-count").strip() == "2"
        item = supervisor_page.locator(f"#grant-{pending.pk}")
        assert "Fridge died twice" in item.inner_text()
        item.locator('button[name="transition"][value="approve"]').click()

        supervisor_page.wait_for_selector(f"#grant-{pending.pk}", state="detached")
        officer_page.wait_for_selector(
            '#compensation-panel li[data-grant-state="issued"]', timeout=15000
        )
        assert officer_page.evaluate("window.stillThisPage") is True
        # The navigation's count followed live: only the review is left.
        supervisor_page.wait_for_function(
            "() => document.querySelector('#approvals-count').textContent.trim() === '1'",
            timeout=LIVE_MS,
        )
    pending.refresh_from_db()
    assert pending.state == "issued" and pending.voucher_code


def test_an_officer_is_refused_the_supervisors_and_knowledge_teams_pages(server, browser, people):
    page = page_for(browser, server, people["officer"].user)

    for path in ("/approvals/", "/knowledge/review/"):
        response = page.goto(f"{server.origin}{path}")
        assert response.status == 403, path
    page.goto(f"{server.origin}/workbench/")
    assert page.locator("nav a[href='/approvals/']").count() == 0
    assert page.locator("nav a[href='/knowledge/review/']").count() == 0
