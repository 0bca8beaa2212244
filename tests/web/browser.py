"""Chromium driven by Playwright against a real ASGI server, for the browser tests.

Debian's ``chromium`` (``apt-get install chromium fonts-noto-cjk``) at ``/usr/bin/chromium``;
Playwright's own browser download is not used. Without it the tests skip with the reason,
under CI they fail. People are signed in by a session cookie made in the test (the server
shares the test database and the secret key).
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.conftest import UNDER_CI

CHROMIUM = os.environ.get("CASEHUB_CHROMIUM", "/usr/bin/chromium")


def chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"needs Chromium at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright for Python: pip install -e '.[dev]'"
    return None


def require_chromium() -> None:
    if missing := chromium_missing():
        if UNDER_CI:
            pytest.fail(f"CI must run the browser tests but it {missing}", pytrace=False)
        pytest.skip(missing)


def session_cookie(user, origin: str) -> dict:
    """A signed-in session for ``user`` in the shared database, as a browser cookie."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": origin}


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


#: Every input, select, textarea and button someone can reach, without an accessible name.
UNNAMED_CONTROLS = """
() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    const labelled = el.getAttribute('aria-label') || el.getAttribute('title') ||
      (el.labels && Array.from(el.labels).some(l => l.textContent.trim())) ||
      (el.tagName === 'BUTTON' && el.textContent.trim());
    return !labelled;
  })
  .map(el => el.outerHTML.slice(0, 120))
"""
