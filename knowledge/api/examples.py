"""Request and response examples for the knowledge API's OpenAPI schema (one place, kept true).

Values are trimmed from real responses; list operations give one item, which drf-spectacular
shows inside the list (and the page, where the operation is paginated).
"""

from drf_spectacular.utils import OpenApiExample

from core.api.examples import OFFICER

KB_MEMBER = {"id": 3, "username": "kb", "display_name": "Zhang Min"}
KB_REVIEWER = {"id": 5, "username": "kb2", "display_name": "Chen Jie"}

CATEGORY = {"code": "installation", "name": "Installation", "sensitive": False}

BODY = (
    "1. 先道歉 Apologise for the delay.\n"
    "2. Check the installer's next free slot.\n"
    "3. 承诺 24 小时内回电 Promise a call back within 24 hours."
)
BODY_HTML = (
    "<ol>\n<li>先道歉 Apologise for the delay.</li>\n"
    "<li>Check the installer's next free slot.</li>\n"
    "<li>承诺 24 小时内回电 Promise a call back within 24 hours.</li>\n</ol>"
)

#: An answer as lists and suggestions show it (``rank`` is null without ``?q=``).
ARTICLE = {
    "id": 9,
    "title": "空调安装延误怎么处理 / Air-conditioner install delayed",
    "category": "installation",
    "tags": ["install", "空调"],
    "hot": True,
    "hot_until": "2026-07-20T00:00:00+08:00",
    "version": 3,
    "body_html": BODY_HTML,
    "retired": False,
    "updated_at": "2026-07-14T11:02:40+08:00",
    "rank": 0.61,
}

ARTICLE_DETAIL = {
    **{key: value for key, value in ARTICLE.items() if key != "rank"},
    "body": BODY,
    "created_at": "2026-05-02T16:20:05+08:00",
    "retired_at": None,
}

VERSION = {
    "id": 31,
    "number": 3,
    "title": ARTICLE["title"],
    "body": BODY,
    "body_html": BODY_HTML,
    "tags": ["install", "空调"],
    "request": 57,
    "author": OFFICER,
    "approved_by": KB_REVIEWER,
    "published_by": KB_REVIEWER,
    "created_at": "2026-07-14T11:02:40+08:00",
}

COUPON_BODY = "Since 11 June the 满300减50 coupon **does** stack with the festival discount."

#: ``POST /knowledge/requests/``: a correction raised from a case.
CREATE = {
    "kind": "correction",
    "article": 12,
    "case": 345,
    "title": "满减 coupons stack with the festival discount",
    "body": COUPON_BODY,
    "category": "promotion",
    "urgency": "high",
}

#: What that creates: a draft (a correction takes the answer's tags).
REQUEST = {
    "id": 58,
    "kind": "correction",
    "state": "draft",
    **{key: CREATE[key] for key in ("article", "case", "title", "body", "category")},
    "tags": ["coupon", "618"],
    "urgency": "high",
    "author": OFFICER,
    "reviewer": None,
    "approvals": [],
    "base_version": 4,
    "published_version": None,
    "review_comment": "",
    "rejection_reason": "",
    "created_at": "2026-06-12T10:15:03+08:00",
    "updated_at": "2026-06-12T10:15:03+08:00",
    "submitted_at": None,
    "published_at": None,
}

IN_REVIEW = {
    **REQUEST,
    "state": "in_review",
    "urgency": "normal",
    "reviewer": KB_MEMBER,
    "updated_at": "2026-06-12T10:41:27+08:00",
    "submitted_at": "2026-06-12T10:20:45+08:00",
}

EDIT = {
    "body": COUPON_BODY + "\n\nDoes not apply to gift cards (礼品卡除外).",
    "urgency": "normal",
}

DIFF = {
    "base_version": 4,
    "title": {
        "old": "满减 coupons and the festival discount",
        "new": REQUEST["title"],
        "changed": True,
    },
    "unified": (
        "--- v4\n+++ proposal\n@@ -1 +1 @@\n"
        "-The 满300减50 coupon does not stack with the festival discount.\n"
        "+" + COUPON_BODY
    ),
    "ops": [
        {
            "op": "replace",
            "old": ["The 满300减50 coupon does not stack with the festival discount."],
            "new": [COUPON_BODY],
        }
    ],
}

EVENT = {
    "id": 204,
    "kind": "submit",
    "actor": OFFICER,
    "from_state": "draft",
    "to_state": "submitted",
    "payload": {},
    "created_at": "2026-06-12T10:20:45+08:00",
}

#: One item of the list (drf-spectacular shows list examples as a list of this item).
TRANSITION = {"name": "reject", "fields": ["reason"]}

CATEGORY_RESPONSE = OpenApiExample("Installation", value=CATEGORY, response_only=True)
ARTICLE_RESPONSE = OpenApiExample("Hot answer matching a search", value=ARTICLE, response_only=True)
SUGGESTED_RESPONSE = OpenApiExample(
    "Suggested for an install delay", value={**ARTICLE, "rank": None}, response_only=True
)
ARTICLE_DETAIL_RESPONSE = OpenApiExample("Answer", value=ARTICLE_DETAIL, response_only=True)
HOT_REQUEST = OpenApiExample(
    "Pin until the heatwave ends",
    value={"hot": True, "until": "2026-07-20T00:00:00+08:00"},
    request_only=True,
)
UNPIN_REQUEST = OpenApiExample("Unpin", value={"hot": False}, request_only=True)
HOT_RESPONSE = OpenApiExample("Pinned", value=ARTICLE_DETAIL, response_only=True)
VERSION_RESPONSE = OpenApiExample("Version 3", value=VERSION, response_only=True)

CREATE_REQUEST = OpenApiExample("Correction raised from a case", value=CREATE, request_only=True)
REQUEST_RESPONSE = OpenApiExample("In review", value=IN_REVIEW, response_only=True)
REQUEST_CREATED = OpenApiExample("Draft", value=REQUEST, response_only=True, status_codes=["201"])
EDIT_REQUEST = OpenApiExample("Add the exception", value=EDIT, request_only=True)
EDITED_RESPONSE = OpenApiExample(
    "Edited",
    value={**REQUEST, **EDIT, "updated_at": "2026-06-12T10:18:09+08:00"},
    response_only=True,
)
FIRED_RESPONSE = OpenApiExample(
    "Approved",
    value={
        **IN_REVIEW,
        "state": "approved",
        "approvals": [KB_MEMBER],
        "updated_at": "2026-06-12T11:03:50+08:00",
    },
    response_only=True,
)
DIFF_RESPONSE = OpenApiExample("Coupon rule changed", value=DIFF, response_only=True)
EVENT_RESPONSE = OpenApiExample("Submitted", value=EVENT, response_only=True)
TRANSITIONS_RESPONSE = OpenApiExample("Submitted", value=TRANSITION, response_only=True)
