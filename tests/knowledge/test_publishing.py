"""Publishing: versions, retirement, hot answers, and the link with the originating case."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidInput, RuleViolation
from escalation.models import CaseEvent
from knowledge import services
from knowledge.models import Article, ArticleVersion


def test_publishing_a_new_answer_creates_the_article_and_its_first_version(
    publish, kb_member, kb_member2
):
    article = publish(title="Install delays", body="Offer a **priority** slot.")

    version = article.published_version
    assert (version.number, version.title) == (1, "Install delays")
    assert version.body_html == "<p>Offer a <strong>priority</strong> slot.</p>"
    assert (version.author, version.approved_by, version.published_by) == (
        kb_member,
        kb_member2,
        kb_member2,
    )
    assert version.request.state == "published"
    assert version.request.published_version == version


def test_a_published_new_answer_request_points_at_the_article_it_created(
    kb_member, kb_member2, category
):
    request = services.request_create(
        actor=kb_member, kind="new", category=category, title="Install delays", body="Call back."
    )
    for actor, name in [(kb_member, "submit"), (kb_member2, "claim"), (kb_member2, "approve")]:
        services.request_transition(request=request, actor=actor, name=name)

    services.request_transition(request=request, actor=kb_member2, name="publish")

    request.refresh_from_db()
    assert request.article is not None
    assert request.article == request.published_version.article
    assert list(request.article.requests.all()) == [request]


def test_a_correction_publishes_the_next_version_and_keeps_the_old_one(publish, officer):
    article = publish(title="Coupons", body="Coupons do not stack.")

    corrected = publish(
        author=officer.user,
        kind="correction",
        article=article,
        body="Coupons stack since 11 June.",
        title="Coupons (festival)",
    )

    assert corrected.pk == article.pk
    assert list(corrected.versions.values_list("number", "body")) == [
        (1, "Coupons do not stack."),
        (2, "Coupons stack since 11 June."),
    ]
    assert corrected.published_version.number == 2
    assert corrected.title == "Coupons (festival)"


def test_a_published_version_cannot_be_changed_or_deleted(publish):
    version = publish(title="T", body="B").published_version

    version.body = "rewritten"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    version.refresh_from_db()
    assert version.body == "B"


def test_two_versions_cannot_share_a_number(publish, kb_member):
    article = publish(title="T", body="B")

    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleVersion.objects.create(article=article, number=1, title="x", body="y", body_html="")


def test_retiring_withdraws_the_answer_from_lists(publish, officer):
    article = publish(title="Old rule", body="B")

    retired = publish(author=officer.user, kind="retire", article=article, body="Obsolete.")

    assert retired.is_retired
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert retired.versions.count() == 1


def test_a_retired_article_cannot_be_corrected(publish, officer, kb_member2):
    article = publish(title="Old rule", body="B")
    correction = services.request_create(
        actor=officer.user, kind="correction", article=article, body="New"
    )
    publish(author=officer.user, kind="retire", article=article)
    services.request_transition(request=correction, actor=officer.user, name="submit")
    services.request_transition(request=correction, actor=kb_member2, name="claim")
    services.request_transition(request=correction, actor=kb_member2, name="approve")

    with pytest.raises(RuleViolation) as refusal:
        services.request_transition(request=correction, actor=kb_member2, name="publish")

    assert refusal.value.code == "article_retired"
    correction.refresh_from_db()
    assert correction.state == "approved"


def test_a_high_urgency_answer_is_hot_for_the_configured_hours(publish, settings):
    settings.CASEHUB_KNOWLEDGE_HOT_HOURS = 10
    before = timezone.now()

    article = publish(title="Recall of fan model X", body="B", urgency="high")

    assert article.is_hot
    assert before + timedelta(hours=10) <= article.hot_until <= timezone.now() + timedelta(hours=10)


def test_a_hot_flag_lapses_when_it_expires(publish, kb_member):
    article = publish(title="T", body="B")

    services.article_set_hot(
        article=article, actor=kb_member, hot=True, until=timezone.now() - timedelta(minutes=1)
    )

    article.refresh_from_db()
    assert article.hot and not article.is_hot
    assert not Article.objects.hot_now().filter(pk=article.pk).exists()


def test_a_request_raised_from_a_case_shows_on_the_case_timeline(case_in, officer, category):
    case = case_in("investigating")

    request = services.request_create(
        actor=officer.user, kind="new", case=case, title="T", body="B", category=category
    )

    assert list(case.knowledge_requests.all()) == [request]
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.actor, event.from_state, event.to_state) == (
        "knowledge_request_raised",
        officer.user,
        None,
        None,
    )
    assert event.payload == {"request": request.pk, "kind": "new", "title": "T"}


def test_publishing_a_case_request_records_it_on_the_case(publish, case_in, officer):
    case = case_in("investigating")

    article = publish(author=officer.user, case=case, title="Compressor fault", body="B")

    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["knowledge_request_raised", "knowledge_published"]
    published = CaseEvent.objects.get(case=case, kind="knowledge_published")
    assert published.payload["article"] == article.pk
    assert published.payload["version"] == 1


def test_a_request_cannot_be_raised_from_a_case_the_person_cannot_see(
    case_in, department_member, category
):
    case = case_in("investigating")

    with pytest.raises(InvalidInput) as refusal:
        services.request_create(
            actor=department_member, kind="new", case=case, title="T", body="B", category=category
        )

    assert "case" in refusal.value.errors
    assert not CaseEvent.objects.filter(case=case).exists()


def test_lapsed_hot_flags_are_cleared_by_the_periodic_job(publish, kb_member):
    from knowledge.jobs import expire_hot_answers

    lapsed = publish(title="Lapsed", body="B")
    still_hot = publish(title="Still hot", body="B")
    services.article_set_hot(
        article=lapsed, actor=kb_member, hot=True, until=timezone.now() - timedelta(seconds=1)
    )
    services.article_set_hot(
        article=still_hot, actor=kb_member, hot=True, until=timezone.now() + timedelta(hours=1)
    )

    assert expire_hot_answers() == 1
    assert expire_hot_answers() == 0

    lapsed.refresh_from_db()
    still_hot.refresh_from_db()
    assert (lapsed.hot, still_hot.hot) == (False, True)
