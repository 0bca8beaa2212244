"""The account CaseHub itself acts as, where a record must name a person (the author of a
knowledge request that a surge raised, say). It cannot sign in."""

from __future__ import annotations

from django.contrib.auth import get_user_model

USERNAME = "casehub"


def system_user():
    """The system account, made on first use (safe under concurrent first uses)."""
    users = get_user_model()
    found = users.objects.filter(username=USERNAME).first()
    if found is not None:
        return found
    user = users(username=USERNAME, first_name="CaseHub", is_active=False)
    user.set_unusable_password()
    users.objects.bulk_create([user], ignore_conflicts=True)
    return users.objects.get(username=USERNAME)
