"""Redis stops under an open case page: the page says live updates are paused, a change made
meanwhile still commits, and once Redis is back the page resyncs from the event log."""

import pytest

from tests.escalation.live_server import asgi_server, redis_server
from tests.factories import CaseFactory
from tests.web.browser import chromium, require_chromium
from tests.web.test_browser import api, page_for, wait_live

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

#: The socket client retries with back-off of at most 15 s (live.js).
RECONNECT_MS = 20000


@pytest.fixture
def redis_and_server(tmp_path):
    require_chromium()
    with redis_server(tmp_path) as redis, asgi_server(tmp_path, redis_url=redis.url) as server:
        yield redis, server


def test_with_redis_down_the_page_says_live_updates_are_paused_and_resyncs_after(
    redis_and_server, officer, sla_policy, monkeypatch
):
    redis, server = redis_and_server
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright keeps a loop here
    case = CaseFactory(officer=officer, state="assigned", title="Dryer stops mid-cycle")

    with chromium() as browser:
        page = page_for(browser, server, officer.user)
        page.goto(f"{server.origin}/cases/{case.pk}/")
        wait_live(page)
        page.evaluate("window.stillThisPage = true")
        assert page.is_hidden("#live-banner")

        redis.stop()
        page.wait_for_selector('body[data-live="offline"]', timeout=RECONNECT_MS)
        banner = page.wait_for_selector("#live-banner", state="visible")
        assert "Live updates are offline" in banner.inner_text()

        started = api(
            server,
            officer.user,
            "POST",
            f"/api/v1/cases/{case.pk}/transitions/",
            {"transition": "start"},
        )
        assert started["state"] == "investigating"  # the write commits with Redis down
        page.wait_for_timeout(500)
        assert page.get_attribute("#case-header [data-case-state]", "data-case-state") == "assigned"

        redis.start()
        page.wait_for_selector('body[data-live="connected"]', timeout=RECONNECT_MS)
        page.wait_for_selector(
            '#case-header [data-case-state="investigating"]', timeout=RECONNECT_MS
        )
        assert page.is_hidden("#live-banner")
        assert page.evaluate("window.stillThisPage") is True  # resynced in place, no reload
