"""Markdown bodies rendered to HTML that is safe to show on every workstation.

Markdown passes raw HTML through, so the output is cleaned by nh3 (the Rust ``ammonia``
sanitizer) with an allow-list: no scripts, styles, event handlers, iframes or
``javascript:`` links survive, and links get ``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table",
    "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]


def render_markdown(body: str) -> str:
    """Sanitized HTML for a Markdown body."""
    html = markdown.markdown(body, extensions=EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_to_text(body: str) -> str:
    """The body's words without markup, for search."""
    return nh3.clean(markdown.markdown(body, extensions=EXTENSIONS), tags=set())
