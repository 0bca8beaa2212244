"""What the base layout shows a signed-in person: where each role goes, and unread notifications.

A context processor, so every page gets the same navigation; the values are computed only
when a template uses them, so htmx fragments pay nothing for it.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from compensation import selectors as grant_selectors
from core import roles
from escalation import selectors


def knowledge_review_url() -> str | None:
    """The knowledge team's review queue, once that page exists."""
    try:
        return reverse("knowledge-review")
    except NoReverseMatch:
        return None


def approval_counts() -> dict[str, int]:
    counts = grant_selectors.approval_counts()
    return {**counts, "total": counts["decisions"] + counts["reviews"]}


def items_for(user) -> list[dict[str, str]]:
    items = []
    if roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS):
        items.append({"url": reverse("workbench"), "label": _("Workbench")})
        items.append({"url": reverse("dashboard"), "label": _("War report")})
    if roles.is_supervisor(user):
        items.append({"url": reverse("approvals"), "label": _("Approvals"), "counts": "approvals"})
        items.append({"url": reverse("broadcasts"), "label": _("Broadcasts")})
    if roles.has_role(user, *roles.ALL_ROLES):
        items.append({"url": reverse("knowledge"), "label": _("Knowledge")})
    if roles.has_role(user, roles.KNOWLEDGE_TEAM) and (review := knowledge_review_url()):
        items.append({"url": review, "label": _("Knowledge review")})
    for department in selectors.departments_of(user):
        items.append(
            {"url": reverse("department-board", args=[department.code]), "label": department.name}
        )
    items.append({"url": reverse("queue"), "label": _("Open escalations")})
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "navigation": SimpleLazyObject(lambda: items_for(user)),
        "navigation_roles": SimpleLazyObject(lambda: roles.role_labels(user)),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(user)),
        "approval_counts": SimpleLazyObject(lambda: approval_counts()),
    }
