"""Knowledge journeys in a real browser: review, publish and pin an answer that reaches
another officer's open workbench live; the side-by-side diff; who may open the queue.

Like ``test_browser.py`` (whose fixtures these are), each test commits, needs Chromium and
PostgreSQL. What must reach open pages live is done in a browser or through the server, so
the server's channel layer carries it.
"""

from __future__ import annotations

import re

import pytest

from core import roles
from knowledge import services
from tests.factories import OfficerFactory, UserFactory
from tests.knowledge.factories import CategoryFactory
from tests.web.test_browser import LIVE_MS, browser, page_for, people, server, wait_live

__all__ = ["browser", "people", "server"]  # fixtures, used by name

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kb1(db):
    return UserFactory(username="kb1", roles=[roles.KNOWLEDGE_TEAM])


@pytest.fixture
def installation(db):
    return CategoryFactory(code="installation", name="Installation", sensitive=False)


def raised_by(officer, category, *, title="Fan hums at night", body="Check the mount."):
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=category, title=title, body=body
    )
    return services.request_transition(request=knowledge_request, actor=officer.user, name="submit")


def click_transition(page, name: str) -> None:
    with page.expect_navigation():
        page.click(f'#request-state button[name="transition"][value="{name}"]')


def followed_by_its_author(server, browser, officer, category):
    """A request ``officer`` raised and submitted, open on their page with its live socket
    connected: ``(page, url)``."""
    knowledge_request = raised_by(officer, category)
    request_url = f"{server.origin}/knowledge/requests/{knowledge_request.pk}/"
    page = page_for(browser, server, officer.user)
    page.goto(request_url)
    wait_live(page)
    return page, request_url


def test_a_reviewed_and_pinned_answer_reaches_another_officers_workbench_live(
    server, browser, people, kb1, installation
):
    watcher = OfficerFactory(user__username="watcher", level=1)
    mine, request_url = followed_by_its_author(server, browser, people["officer"], installation)
    assert mine.get_attribute("[data-request-state]", "data-request-state") == "submitted"
    workbench = page_for(browser, server, watcher.user)
    workbench.goto(f"{server.origin}/workbench/")
    wait_live(workbench)
    workbench.wait_for_selector(".workbench-side .answers, .workbench-side .muted")
    workbench.evaluate("window.stillThisPage = true")
    assert "Fan hums at night" not in workbench.inner_text(".workbench-side")

    review = page_for(browser, server, kb1)
    review.goto(request_url)
    click_transition(review, "claim")
    mine.wait_for_selector('#request-state [data-request-state="in_review"]', timeout=LIVE_MS)
    assert "reviewer kb1" in mine.inner_text("#request-state")

    click_transition(review, "approve")
    assert "Approvals: 1 of 1 — approved by kb1" in review.inner_text("#request-state")
    click_transition(review, "publish")
    # The reviewer's own page shows the outcome first: a refused publication says so here.
    assert review.get_attribute("#request-state [data-request-state]", "data-request-state") == (
        "published"
    ), review.inner_text("main")
    mine.wait_for_selector('#request-state [data-request-state="published"]', timeout=LIVE_MS)
    assert "Published: open the answer" in mine.inner_text("#request-state")

    with review.expect_navigation():
        review.click("text=Published: open the answer")
    with review.expect_navigation():
        review.click("text=Pin as a hot answer")
    assert "Hot" in review.inner_text(".facts")

    workbench.wait_for_selector(".workbench-side >> text=Fan hums at night", timeout=LIVE_MS)
    assert workbench.evaluate("window.stillThisPage") is True


def test_the_request_page_diffs_chinese_by_character(
    server, browser, people, kb1, installation, publish
):
    article = publish(title="空调安装", body="空调安装需要预约", category=installation)
    correction = services.request_create(
        actor=people["officer"].user,
        kind="correction",
        article=article,
        body="空调安装无需预约，当天上门",
    )
    services.request_transition(request=correction, actor=people["officer"].user, name="submit")
    page = page_for(browser, server, kb1, language="zh-hans")

    page.goto(f"{server.origin}/knowledge/requests/{correction.pk}/")

    removed = page.locator("#request-diff del").all_inner_texts()
    added = page.locator("#request-diff ins").all_inner_texts()
    assert "要" in removed
    assert "，当天上门" in added
    assert page.get_attribute("html", "lang") == "zh-hans"


def test_an_officer_may_not_open_the_review_queue(server, browser, people):
    page = page_for(browser, server, people["officer"].user)

    response = page.goto(f"{server.origin}/knowledge/review/")

    assert response is not None and response.status == 403


def test_the_knowledge_pages_fit_a_phone(server, browser, people, kb1, installation, publish):
    article = publish(title="Long answer title " * 4, body="Words " * 200, category=installation)
    knowledge_request = raised_by(people["officer"], installation, body="Longer words " * 80)
    page = page_for(browser, server, kb1, width=390, height=844)
    for url in (
        "/knowledge/?q=words",
        f"/knowledge/articles/{article.pk}/",
        "/knowledge/review/",
        f"/knowledge/requests/{knowledge_request.pk}/",
    ):
        page.goto(server.origin + url)
        page.wait_for_load_state("networkidle")

        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url


def test_a_change_that_arrives_while_a_panel_loads_is_shown_once_it_has_loaded(
    server, browser, people, kb1, installation
):
    """The author's page hears "claimed" and loads its state panel; approval and publication
    arrive while that answer is still on its way. The panel first shows the answer it asked
    for, then what it heard meanwhile: it ends on "published", not on the stale state."""
    mine, request_url = followed_by_its_author(server, browser, people["officer"], installation)
    held = []
    state_panel = re.compile(r"/panels/state/")
    mine.route(state_panel, lambda route: held.append(route))  # answers wait here
    review = page_for(browser, server, kb1)
    review.goto(request_url)

    click_transition(review, "claim")
    for _ in range(100):
        if held:
            break
        mine.wait_for_timeout(50)
    assert held, "the author's page did not ask for its state after the claim"
    in_review = held[0].fetch()  # the server answers now: in review
    click_transition(review, "approve")
    click_transition(review, "publish")
    mine.wait_for_timeout(500)  # both are heard while the first answer is held
    held[0].fulfill(response=in_review)
    mine.unroute(state_panel)

    mine.wait_for_selector('#request-state [data-request-state="published"]', timeout=LIVE_MS)


def test_a_change_that_arrives_before_a_swapped_panel_listens_is_shown_once_it_does(
    server, browser, people, kb1, installation
):
    """htmx swaps a panel's answer in at once but starts the new element's listeners only
    when it settles. Here settling takes two seconds, and approval and publication arrive in
    between, after the old panel is gone and before the new one listens: the page still ends
    on "published"."""
    mine, request_url = followed_by_its_author(server, browser, people["officer"], installation)
    mine.evaluate("htmx.config.defaultSettleDelay = 2000")
    review = page_for(browser, server, kb1)
    review.goto(request_url)

    click_transition(review, "claim")
    mine.wait_for_selector('#request-state [data-request-state="in_review"]', timeout=LIVE_MS)
    # Swapped in, not yet settled: what comes now reaches no listening panel at first.
    click_transition(review, "approve")
    click_transition(review, "publish")
    assert mine.get_attribute("#request-state [data-request-state]", "data-request-state") == (
        "in_review"
    )

    mine.wait_for_selector('#request-state [data-request-state="published"]', timeout=LIVE_MS)


def test_a_supervisor_watching_a_request_sees_a_reviewers_step_live(
    server, browser, people, kb1, installation
):
    """Not only the author: whoever oversees requests sees the page they have open change."""
    knowledge_request = raised_by(people["officer"], installation)
    request_url = f"{server.origin}/knowledge/requests/{knowledge_request.pk}/"
    watching = page_for(browser, server, people["supervisor"], language="zh-hans")
    watching.goto(request_url)
    wait_live(watching)
    review = page_for(browser, server, kb1)
    review.goto(request_url)

    click_transition(review, "claim")

    watching.wait_for_selector('#request-state [data-request-state="in_review"]', timeout=LIVE_MS)
