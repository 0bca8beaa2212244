"""Quality checks in a real browser: a sensitive term typed in a thread box or a resolution
is named under the box before anything is sent, sending still works, and what was sent
carries its flag marker.
"""

from __future__ import annotations

import pytest

from quality.models import SensitiveTerm
from tests.factories import CaseFactory
from tests.web.test_browser import (
    LIVE_MS,
    browser,
    one_task_for,
    page_for,
    people,
    server,
    wait_live,
)

__all__ = ["browser", "people", "server"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def terms(db):
    for term, language, category in [
        ("guarantee", "en", "promise"),
        ("保证", "zh", "promise"),
        ("your fault", "en", "blame"),
    ]:
        SensitiveTerm.objects.create(term=term, language=language, category=category)


def test_a_term_typed_in_the_thread_is_named_before_sending_and_the_sent_message_is_marked(
    server, browser, people, terms
):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating", title="Unit dead")
    task = one_task_for(people["members"]["logistics"], case)
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/cases/{case.pk}/")
    wait_live(page)
    box = page.locator(".thread textarea[name=body]").first

    box.press_sequentially("We GUARANTEE a visit tomorrow, 保证", delay=20)

    warning = page.wait_for_selector('.thread .qa-warning [data-qa-term="guarantee"]')
    text = page.inner_text(".thread .qa-warning")
    assert "Check before sending:" in text and "‘保证’ (Promise or commitment)" in text
    assert page.get_attribute(".thread .qa-warning", "aria-live") == "polite"
    assert warning.is_visible()
    assert not task.group.messages.exists()  # a warning before sending, nothing sent yet

    page.click('.thread form button[type="submit"]')  # sending still works

    page.wait_for_selector(
        '.thread .messages .qa-flags [data-qa-term="guarantee"]', timeout=LIVE_MS
    )
    assert page.inner_text(".thread .messages mark.qa-mark >> nth=0") == "GUARANTEE"
    message = task.group.messages.get()
    assert message.body == "We GUARANTEE a visit tomorrow, 保证"
    assert [flag["term"] for flag in message.qa_flags] == ["guarantee", "保证"]
    assert page.inner_text(".thread .qa-warning").strip() == ""  # a fresh box after sending


def test_a_department_member_sees_the_warning_on_the_board_thread(server, browser, people, terms):
    officer = people["officer"]
    member = people["members"]["logistics"]
    case = CaseFactory(officer=officer, state="investigating")
    task = one_task_for(member, case)
    page = page_for(browser, server, member)
    page.goto(f"{server.origin}/departments/logistics/")
    wait_live(page)  # htmx has set the board up
    page.click(f"#task-{task.pk} details.thread-toggle summary")
    box = page.locator(f"#task-{task.pk} .thread textarea[name=body]")
    box.wait_for()

    box.press_sequentially("It is your fault", delay=20)

    page.wait_for_selector(f'#task-{task.pk} .qa-warning [data-qa-term="your fault"]')
    assert "(Blame)" in page.inner_text(f"#task-{task.pk} .qa-warning")


def test_a_resolution_is_checked_as_it_is_typed_and_keeps_its_flags(server, browser, people, terms):
    officer = people["officer"]
    case = CaseFactory(officer=officer, state="investigating")
    page = page_for(browser, server, officer.user)
    page.goto(f"{server.origin}/cases/{case.pk}/")

    page.locator("#t-resolve-resolution").press_sequentially("Replaced; 保证不再坏", delay=20)
    page.wait_for_selector('#case-transitions .qa-warning [data-qa-term="保证"]')
    page.click('button[name="transition"][value="resolve"]')

    page.wait_for_selector('#case-header [data-case-state="resolved"]', timeout=LIVE_MS)
    page.wait_for_selector('#case-header .case-resolution [data-qa-term="保证"]', timeout=LIVE_MS)
    assert page.inner_text("#case-header mark.qa-mark") == "保证"
    case.refresh_from_db()
    assert case.resolution == "Replaced; 保证不再坏"
    assert case.qa_flags == [{"term": "保证", "category": "promise", "start": 10, "end": 12}]
