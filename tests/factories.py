"""Factories for the domain; the usual people come from fixtures in conftest.py.

A factory's ``state=`` creates a record that starts life in that state, for tests of a rule
about such records; tests of the lifecycle reach states through the services instead.
"""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from escalation.models import (
    Case,
    CaseState,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    Task,
    TaskGroup,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pw")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.LazyAttribute(lambda d: d.code.title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentMembership

    department = factory.SubFactory(DepartmentFactory)
    user = factory.SubFactory(UserFactory, roles=["department_members"])
    is_lead = False


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationOfficer

    user = factory.SubFactory(UserFactory, roles=["officers"])
    level = 2
    skills = factory.LazyFunction(lambda: ["installation", "delivery", "billing"])
    max_open_cases = 25


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"C-{n:05d}")
    name = factory.Faker("name")
    tier = Customer.Tier.STANDARD


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"Case number {n}")
    channel = Case.Channel.PHONE
    category = "installation"
    priority = Case.Priority.P3
    customer = factory.SubFactory(CustomerFactory)
    state = CaseState.NEW
    reference = factory.Sequence(lambda n: f"ESC-2026-{n + 900000:06d}")


class TaskGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskGroup

    case = factory.SubFactory(CaseFactory, state=CaseState.INVESTIGATING)
    title = factory.Sequence(lambda n: f"Task group {n}")
    created_by = factory.SubFactory(UserFactory)


class TaskFactory(factory.django.DjangoModelFactory):
    """A task as a group creates it; ``group`` (and so its case) defaults to a fresh one."""

    class Meta:
        model = Task

    group = factory.SubFactory(TaskGroupFactory)
    case = factory.SelfAttribute("group.case")
    department = factory.SubFactory(DepartmentFactory)
    assignee = factory.SubFactory(UserFactory, roles=["department_members"])
    title = factory.Sequence(lambda n: f"Task {n}")
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=4))
