"""Roles are Django groups; these helpers read them once per user object."""

from typing import Any

from django.utils.translation import gettext_lazy as _

OFFICERS = "officers"
SUPERVISORS = "supervisors"
DEPARTMENT_MEMBERS = "department_members"
KNOWLEDGE_TEAM = "knowledge_team"
FRONTLINE = "frontline"
ALL_ROLES = (OFFICERS, SUPERVISORS, DEPARTMENT_MEMBERS, KNOWLEDGE_TEAM, FRONTLINE)
# What a person reads for each role; the group names above are identifiers.
ROLE_LABELS = {
    OFFICERS: _("Escalation officer"),
    SUPERVISORS: _("Supervisor"),
    DEPARTMENT_MEMBERS: _("Department member"),
    KNOWLEDGE_TEAM: _("Knowledge team"),
    FRONTLINE: _("Frontline"),
}


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_casehub_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._casehub_roles = cached
    return cached


def remember(user: Any, names) -> None:
    """Keep role names already read with the user (one query for both), for this request."""
    user._casehub_roles = frozenset(names)


def role_labels(user: Any) -> list[str]:
    """The user's roles as a person reads them, in the active language and sorted.

    A group that is no CaseHub role (one an administrator added) shows under its own name.
    """
    labels = [str(ROLE_LABELS.get(name, name)) for name in roles_of(user)]
    if getattr(user, "is_superuser", False):
        labels.append(str(_("Administrator")))
    return sorted(labels)


def has_role(user, *roles: str) -> bool:
    """True when the user holds any of ``roles``; superusers hold every role."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or roles_of(user).intersection(roles))


def is_supervisor(user) -> bool:
    return has_role(user, SUPERVISORS)


def is_officer(user) -> bool:
    return has_role(user, OFFICERS)
