"""Screenshots of the pages for the README, taken from a running demo (``make demo``).

    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000 [desktop|phone ...]

Signs in as ``supervisor``, ``tech_member`` and ``kb1`` (password ``casehub-demo``) and
saves the workbench, a case page with a task group, the tech department's board, the war
report (and its wall screen on the desktop, and its peak-season, team and leaderboard
panels), the approvals, the broadcasts, a case's notices, its chatbot card, the thread's
typing check, a strained officer's availability card (``officer7``), the knowledge review queue, a request's diff and the knowledge
search, in English and
in Simplified Chinese: on a desktop screen as ``docs/<page>-<language>.png`` and on a
phone 390 px wide as ``docs/<page>-<language>-390.png``. Both sizes unless named.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
PASSWORD = "casehub-demo"
#: name: (viewport, file name suffix, phone)
SIZES = {
    "desktop": ({"width": 1366, "height": 900}, "", False),
    "phone": ({"width": 390, "height": 844}, "-390", True),
}


def signed_in(browser, origin, username, language, size):
    viewport, _suffix, phone = SIZES[size]
    context = browser.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="zh-CN" if language == "zh-hans" else "en-US",
        extra_http_headers={"Accept-Language": language},
    )
    page = context.new_page()
    page.goto(f"{origin}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def shoot(page, url, name):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)  # the panels fetched after load, and one countdown tick
    page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def shoot_part(page, url, selector, name):
    """One panel of a page, once its content has loaded."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    page.locator(selector).screenshot(path=str(DOCS / f"{name}.png"))


def shoot_typing(page, url, box, text, warning, part, name):
    """A part of a page while a text is typed into ``box`` and its warning shows."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.locator(box).first.press_sequentially(text, delay=15)
    page.wait_for_selector(warning)
    page.wait_for_timeout(300)
    page.locator(part).first.screenshot(path=str(DOCS / f"{name}.png"))


def case_showing(page, origin, selector, tries=15) -> str | None:
    """The first open case (on the workbench) whose page shows ``selector``."""
    page.goto(f"{origin}/workbench/?view=open&state=investigating")
    links = page.eval_on_selector_all("a.case-link", "links => links.map(a => a.href)")
    for link in links[:tries]:
        page.goto(link)
        if page.query_selector(selector) is not None:
            return link
    return None


def main(origin: str, sizes: list[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for size in sizes:
            suffix = SIZES[size][1]
            for language in ("en", "zh-hans"):
                board = signed_in(browser, origin, "tech_member", language, size)
                shoot(board, f"{origin}/departments/tech/", f"department-{language}{suffix}")
                case = board.get_attribute("[data-case-link]", "data-case-link")
                page = signed_in(browser, origin, "supervisor", language, size)
                shoot(page, f"{origin}/workbench/?view=open", f"workbench-{language}{suffix}")
                shoot(page, f"{origin}/cases/{case}/", f"case-{language}{suffix}")
                shoot(page, f"{origin}/dashboard/", f"war-report-{language}{suffix}")
                shoot(page, f"{origin}/approvals/", f"approvals-{language}{suffix}")
                shoot(page, f"{origin}/broadcasts/", f"broadcasts-{language}{suffix}")
                shoot_part(page, f"{origin}/dashboard/", "#peak-panel", f"peak-{language}{suffix}")
                shoot_part(
                    page, f"{origin}/cases/{case}/", "#notices-panel", f"notices-{language}{suffix}"
                )
                shoot_part(
                    page, f"{origin}/dashboard/", "#floor-team-panel", f"floor-{language}{suffix}"
                )
                shoot_part(
                    page, f"{origin}/dashboard/", "#team-panel", f"leaderboard-{language}{suffix}"
                )
                from_bot = case_showing(page, origin, "#bot-card [data-bot-transcript]")
                if from_bot:
                    shoot_part(page, from_bot, "#bot-card", f"bot-{language}{suffix}")
                shoot_typing(
                    page,
                    f"{origin}/cases/{case}/",
                    ".thread textarea[name=body]",
                    "We guarantee the engineer comes tomorrow, 保证明天上门",
                    ".thread .qa-warning [data-qa-term]",
                    ".thread",
                    f"quality-{language}{suffix}",
                )
                # The demo's officer on a long shift, prompted to take a break.
                tired = signed_in(browser, origin, "officer7", language, size)
                shoot_part(
                    tired,
                    f"{origin}/workbench/",
                    "#availability",
                    f"availability-{language}{suffix}",
                )
                if size == "desktop":
                    shoot(page, f"{origin}/dashboard/?wall=1", f"war-report-wall-{language}")
                team = signed_in(browser, origin, "kb1", language, size)
                shoot(team, f"{origin}/knowledge/review/", f"review-{language}{suffix}")
                # The demo's correction in review: a Chinese answer with a phrase added.
                row = team.locator('tr[data-request-id]:has-text("满减规则说明")').first
                request = row.get_attribute("data-request-id")
                shoot(
                    team, f"{origin}/knowledge/requests/{request}/", f"request-{language}{suffix}"
                )
                shoot(team, f"{origin}/knowledge/?q=安装", f"knowledge-{language}{suffix}")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2:] or list(SIZES))
