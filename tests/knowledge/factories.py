"""Factories for knowledge; published articles go through the services (see conftest)."""

import factory

from escalation.models import Category
from knowledge.models import KnowledgeRequest


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"topic{n}")
    name = factory.LazyAttribute(lambda c: c.code.title())
    sensitive = False


class RequestFactory(factory.django.DjangoModelFactory):
    """A request in any state, written directly (state is protected, so set it at create)."""

    class Meta:
        model = KnowledgeRequest

    kind = KnowledgeRequest.Kind.NEW
    title = factory.Sequence(lambda n: f"Answer number {n}")
    body = "How to handle it:\n\n1. Check the order.\n2. Call the customer back."
    category = factory.SubFactory(CategoryFactory)
    state = KnowledgeRequest.State.DRAFT
