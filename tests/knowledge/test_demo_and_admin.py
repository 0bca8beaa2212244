"""Demo data is idempotent; the admin fires request transitions through the services."""

import pytest

from casehub.demo.seeding import knowledge as demo
from core import roles
from knowledge.models import Article, KnowledgeRequest, RequestEvent
from tests.factories import CaseFactory, OfficerFactory, UserFactory


@pytest.fixture
def demo_people(db):
    for username in ("kb1", "kb2"):
        UserFactory(username=username, roles=[roles.KNOWLEDGE_TEAM])
    for username in ("officer1", "officer2"):
        OfficerFactory(user__username=username)
    UserFactory(username="frontline", roles=[roles.FRONTLINE])
    for category in ("installation", "promotion", "delivery"):
        CaseFactory(category=category, state="investigating")


def test_the_demo_seeds_answers_hot_ones_and_requests_once(demo_people):
    demo.seed()
    demo.seed()

    assert Article.objects.live().count() == len(demo.ANSWERS)
    assert set(Article.objects.hot_now().values_list("title", flat=True)) == demo.HOT
    states = set(
        KnowledgeRequest.objects.exclude(state="published").values_list("state", flat=True)
    )
    assert states == {"draft", "submitted", "in_review", "changes_requested"}
    assert KnowledgeRequest.objects.filter(case__isnull=False).exclude(state="published").exists()


def _empty_inlines(*prefixes):
    return {
        f"{prefix}-{name}": value
        for prefix in prefixes
        for name, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0), ("MAX_NUM_FORMS", 1000))
    }


def test_an_admin_transition_button_goes_through_the_service(client, request_in):
    admin = UserFactory(
        username="root", is_staff=True, is_superuser=True, roles=[roles.KNOWLEDGE_TEAM]
    )
    knowledge_request = request_in("submitted")
    client.force_login(admin)

    response = client.post(
        f"/admin/knowledge/knowledgerequest/{knowledge_request.pk}/change/",
        {
            "_fsm_transition_to": "claim",
            "urgency": knowledge_request.urgency,
            **_empty_inlines("approvals", "events"),
        },
    )

    assert response.status_code == 302
    knowledge_request.refresh_from_db()
    assert (knowledge_request.state, knowledge_request.reviewer) == ("in_review", admin)
    event = RequestEvent.objects.get(request=knowledge_request)
    assert (event.kind, event.actor) == ("claim", admin)


def test_the_admin_article_page_shows_versions_read_only(client, publish):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    article = publish(title="Shown in admin", body="First wording")
    publish(kind="correction", article=article, title="Corrected in admin", body="Second")
    client.force_login(admin)

    response = client.get(f"/admin/knowledge/article/{article.pk}/change/")

    content = response.content.decode()
    assert "Shown in admin" in content and "Corrected in admin" in content  # v1 only in a row
    (versions,) = response.context["inline_admin_formsets"]
    assert [(f.instance.number, f.instance.title) for f in versions.formset.forms] == [
        (1, "Shown in admin"),
        (2, "Corrected in admin"),
    ]
    # Nothing of a version can be edited or added; on the article only the hot flag can.
    assert {name for f in versions.formset.forms for name in f.fields} == {"id", "article"}
    assert not versions.has_add_permission and not versions.has_change_permission
    assert set(response.context["adminform"].form.fields) == {"hot", "hot_until"}
