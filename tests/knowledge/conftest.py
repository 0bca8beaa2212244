"""Knowledge fixtures: categories, a second reviewer, and a one-call publisher."""

import pytest

from core import roles
from knowledge import services
from tests.factories import UserFactory
from tests.knowledge.factories import CategoryFactory, RequestFactory


@pytest.fixture
def category(db):
    return CategoryFactory(code="installation", name="Installation")


@pytest.fixture
def sensitive_category(db):
    return CategoryFactory(code="refund_policy", name="Refund policy", sensitive=True)


@pytest.fixture
def kb_member2(db):
    return UserFactory(username="kb2", roles=[roles.KNOWLEDGE_TEAM])


@pytest.fixture
def request_in(db, officer, category):
    """``request_in("in_review")``: a new-answer request by ``officer`` in that state."""

    def make(state: str, **kwargs):
        kwargs.setdefault("author", officer.user)
        kwargs.setdefault("category", category)
        return RequestFactory(state=state, **kwargs)

    return make


@pytest.fixture
def publish(db, kb_member, kb_member2, category):
    """``publish(title=…, body=…)``: run the whole workflow and return the article."""

    def run(*, author=None, reviewer=None, **fields):
        author = author or kb_member
        reviewer = reviewer or kb_member2
        fields.setdefault("kind", "new")
        fields.setdefault("category", category)
        request = services.request_create(actor=author, **fields)
        services.request_transition(request=request, actor=author, name="submit")
        services.request_transition(request=request, actor=reviewer, name="claim")
        services.request_transition(request=request, actor=reviewer, name="approve")
        if request.category.sensitive:
            services.request_transition(request=request, actor=kb_member, name="approve")
        request = services.request_transition(request=request, actor=reviewer, name="publish")
        article = (
            request.published_version.article if request.published_version else request.article
        )
        article.refresh_from_db()
        return article

    return run
