"""Departments with their people, and a case in investigation, for the task-group tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import roles
from escalation import taskgroups
from escalation.sla import clocks
from tests.factories import CaseFactory, DepartmentFactory, MembershipFactory, UserFactory


def person(username: str, department, *, lead: bool = False):
    user = UserFactory(username=username, roles=[roles.DEPARTMENT_MEMBERS])
    MembershipFactory(user=user, department=department, is_lead=lead)
    return user


@pytest.fixture
def logistics(db):
    return DepartmentFactory(code="logistics", name="Logistics")


@pytest.fixture
def tech(db):
    return DepartmentFactory(code="tech", name="Technical support")


@pytest.fixture
def logistics_member(logistics):
    return person("logistics_member", logistics)


@pytest.fixture
def logistics_other(logistics):
    return person("logistics_other", logistics)


@pytest.fixture
def logistics_lead(logistics):
    return person("logistics_lead", logistics, lead=True)


@pytest.fixture
def tech_member(tech):
    return person("tech_member", tech)


@pytest.fixture
def tech_lead(tech):
    return person("tech_lead", tech, lead=True)


@pytest.fixture
def investigating_case(officer):
    return CaseFactory(
        officer=officer,
        state="investigating",
        title="AC dead in 38°C",
        description="Install delayed twice",
        context={"intent": "install_delay"},
    )


def soon(hours: float = 4):
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def group(investigating_case, officer, logistics_member, tech_member, logistics_lead, tech_lead):
    """A task group with a logistics task and a tech task on an investigating case."""
    return taskgroups.task_group_open(
        case=investigating_case,
        actor=officer.user,
        title="Install delayed",
        tasks=[
            {
                "department": logistics_member.department_memberships.get().department,
                "assignee": logistics_member,
                "title": "Confirm slot",
                "due_at": soon(4),
            },
            {
                "department": tech_member.department_memberships.get().department,
                "assignee": tech_member,
                "title": "Check unit",
                "due_at": soon(8),
            },
        ],
    )


@pytest.fixture
def logistics_task(group):
    return group.tasks.get(department__code="logistics")


@pytest.fixture
def tech_task(group):
    return group.tasks.get(department__code="tech")


@pytest.fixture
def running_case(sla_policy, case_in):
    """An investigating case with its SLA clocks running."""
    case = case_in("investigating")
    clocks.start_case_clocks(case)
    return case
