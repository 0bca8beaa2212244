"""Demo data for the floor's people: availability, a strained officer, the shared pool and
the chatbot platform as a department."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casehub.demo.seeding.escalation import DEPARTMENTS, _user
from core import roles
from escalation import floor
from escalation.models import (
    Availability,
    Category,
    Certification,
    Department,
    DepartmentMembership,
    EscalationOfficer,
)

#: Categories simple enough for the shared pool.
BASIC_CATEGORIES = ("delivery", "promotion")
#: Certified staff of other departments: (account, home department, categories).
POOL = (
    ("pool_logistics", "logistics", ["delivery"]),
    ("pool_after_sales", "after_sales", ["delivery", "promotion"]),
)
#: Officers the demo shows away from the floor.
AWAY = {"officer5": Availability.ON_BREAK, "officer6": Availability.OFFLINE}
#: An officer on the floor since early morning, for the break prompt.
LONG_SHIFT = "officer7"


@transaction.atomic
def seed_bot_department() -> Department:
    department, _created = Department.objects.get_or_create(
        code="bot", defaults={"name": "Chatbot platform"}
    )
    if not department.webhook_secret:
        department.webhook_secret = secrets.token_hex(24)
    if not department.webhook_url:  # the demo's platform registers its own address
        department.webhook_url = "http://127.0.0.1:8001/webhook"
    department.save()
    account = _user("bot_platform", groups=[roles.DEPARTMENT_MEMBERS], first_name="Chatbot")
    DepartmentMembership.objects.get_or_create(
        department=department, user=account, defaults={"is_lead": True}
    )
    return department


@transaction.atomic
def seed_pool() -> int:
    for code in BASIC_CATEGORIES:
        Category.objects.update_or_create(
            code=code, defaults={"basic": True}, create_defaults={"name": code, "basic": True}
        )
    for username, home, categories in POOL:
        user = _user(
            username,
            groups=[roles.OFFICERS, roles.DEPARTMENT_MEMBERS],
            first_name=f"Pool ({DEPARTMENTS[home]})",
        )
        department = Department.objects.get(code=home)
        DepartmentMembership.objects.get_or_create(department=department, user=user)
        member, _created = EscalationOfficer.objects.get_or_create(
            user=user,
            defaults={"level": 1, "skills": [], "pool": True, "max_open_cases": 8},
        )
        Certification.objects.get_or_create(
            officer=member,
            department=department,
            defaults={
                "categories": categories,
                "expires_on": timezone.localdate() + timedelta(days=90),
            },
        )
    return len(POOL)


def seed_availability() -> None:
    for username, availability in AWAY.items():
        officer = EscalationOfficer.objects.filter(user__username=username).first()
        if officer is not None and officer.availability != availability:
            floor.set_availability(officer=officer, availability=availability, actor=officer.user)
    EscalationOfficer.objects.filter(
        user__username=LONG_SHIFT, availability=Availability.AVAILABLE
    ).update(available_since=timezone.now() - timedelta(hours=5, minutes=20))
    floor.refresh_strain()


def seed(stdout=None) -> None:
    department = seed_bot_department()
    pool = seed_pool()
    seed_availability()
    if stdout:
        stdout.write(
            f"floor: {pool} pool members, basic categories {', '.join(BASIC_CATEGORIES)}, "
            f"{len(AWAY)} officers away, department {department.code!r} (bot_platform)"
        )
