"""Roles are Django groups; these helpers read them once per user object."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

OFFICERS = "officers"
SUPERVISORS = "supervisors"
DEPARTMENT_MEMBERS = "department_members"
KNOWLEDGE_TEAM = "knowledge_team"
FRONTLINE = "frontline"
ALL_ROLES = (OFFICERS, SUPERVISORS, DEPARTMENT_MEMBERS, KNOWLEDGE_TEAM, FRONTLINE)


def roles_of(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_casehub_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._casehub_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    """True when the user holds any of ``roles``; superusers hold every role."""
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or roles_of(user).intersection(roles))


def is_supervisor(user) -> bool:
    return has_role(user, SUPERVISORS)


def is_officer(user) -> bool:
    return has_role(user, OFFICERS)
