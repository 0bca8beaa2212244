"""The knowledge pages: search, an answer, the review queue and one request's page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import roles
from knowledge import search, services
from knowledge.models import (
    Article,
    ArticleVersion,
    KnowledgeRequest,
    RequestApproval,
    RequestEvent,
)
from tests.factories import OfficerFactory, UserFactory
from tests.knowledge.factories import CategoryFactory, RequestFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def queries(client, url) -> int:
    client.get(url)  # warm: session, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def transition(client, knowledge_request, name, **fields):
    url = f"/knowledge/requests/{knowledge_request.pk}/transition/"
    return client.post(url, {"transition": name, **fields})


@pytest.fixture
def raised(officer, category):
    """A correction-free new answer by ``officer``, submitted."""
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=category, title="Fan noise", body="Call back."
    )
    return services.request_transition(request=knowledge_request, actor=officer.user, name="submit")


# --- who may open what ---


def test_every_role_searches_the_answers_but_people_without_one_may_not(
    client, officer, frontline, nobody
):
    assert signed_in(client, officer.user).get("/knowledge/").status_code == 200
    assert signed_in(client, frontline).get("/knowledge/").status_code == 200
    assert signed_in(client, nobody).get("/knowledge/").status_code == 403


def test_the_review_queue_is_for_the_knowledge_team_and_supervisors(
    client, officer, supervisor, kb_member
):
    assert signed_in(client, officer.user).get("/knowledge/review/").status_code == 403
    assert signed_in(client, supervisor).get("/knowledge/review/").status_code == 200
    assert signed_in(client, kb_member).get("/knowledge/review/").status_code == 200


def test_an_officer_opens_their_own_request_but_not_anothers(client, officer, raised):
    other = OfficerFactory(user__username="someone_else")
    theirs = RequestFactory(author=other.user, state="submitted")

    signed_in(client, officer.user)

    assert client.get(f"/knowledge/requests/{raised.pk}/").status_code == 200
    assert client.get(f"/knowledge/requests/{theirs.pk}/").status_code == 404


def test_signed_out_people_are_sent_to_log_in(client):
    response = client.get("/knowledge/review/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- search ---


def test_search_marks_english_word_prefixes_in_title_and_snippet(client, officer, publish):
    publish(title="Installation slots", body="Book the **installation** a day ahead.")

    page = signed_in(client, officer.user).get("/knowledge/?q=instal").content.decode()

    assert "<mark>Instal</mark>lation slots" in page
    assert "Book the <mark>instal</mark>lation a day ahead." in page


def test_search_marks_chinese_phrases(client, officer, publish):
    publish(title="空调安装", body="空调安装需要预约，请提前一天。")

    page = signed_in(client, officer.user).get("/knowledge/?q=预约").content.decode()

    assert "空调安装需要<mark>预约</mark>，请提前一天。" in page


def test_markup_in_titles_bodies_and_the_query_is_shown_as_text(client, officer, publish):
    publish(title="Never <script>alert(1)</script>", body="Body `<script>bad()</script>` here")

    page = signed_in(client, officer.user).get("/knowledge/?q=script").content.decode()

    assert "<script>alert" not in page and "<script>bad" not in page
    assert "Never &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in page
    assert "&lt;<mark>script</mark>&gt;bad()" in page


def test_the_category_filter_lists_the_categories_and_keeps_to_one(client, officer, publish):
    publish(title="Fan rattles", body="B")
    delivery = CategoryFactory(code="delivery", name="Delivery")
    publish(title="Fan arrives late", body="B", category=delivery)

    page = signed_in(client, officer.user).get("/knowledge/?q=fan&category=delivery")
    text = page.content.decode()

    assert '<option value="delivery" selected>Delivery</option>' in text
    assert "Fan</mark> arrives late" in text
    assert "rattles" not in text


def test_hot_answers_come_first_with_their_badge(client, officer, kb_member, publish):
    publish(title="Plain answer", body="B")
    hot = publish(title="Hot answer", body="B")
    services.article_set_hot(article=hot, actor=kb_member, hot=True)

    text = signed_in(client, officer.user).get("/knowledge/").content.decode()

    assert text.index("Hot answer") < text.index("Plain answer")
    assert '<span class="hot">Hot</span>' in text


def test_search_runs_a_fixed_number_of_queries(client, officer, category):
    def articles(count):
        for n in range(count):
            indexed = {"title": f"Fan {n}", "tags": [], "body": "B"}
            article = Article.objects.create(
                title=f"Fan {n}",
                category=category,
                hot=n == 0,
                search_text=search.text_value(**indexed),
                search_vector=search.vector_value(**indexed),
            )
            article.published_version = ArticleVersion.objects.create(
                article=article, number=1, title=article.title, body="B", body_html="<p>B</p>"
            )
            article.save()

    signed_in(client, officer.user)
    articles(2)
    few = queries(client, "/knowledge/?q=fan")
    articles(8)
    many = queries(client, "/knowledge/?q=fan")

    assert few == many
    assert "10 answers" in client.get("/knowledge/?q=fan").content.decode()


# --- an answer ---


def test_an_answer_shows_its_body_category_and_versions(client, officer, publish, kb_member2):
    article = publish(title="Refunds", body="Refund **within 7 days**.", tags=["refund"])

    text = (
        signed_in(client, officer.user).get(f"/knowledge/articles/{article.pk}/").content.decode()
    )

    assert "<strong>within 7 days</strong>" in text
    assert '<span class="tag">refund</span>' in text
    assert "Installation" in text  # the category
    assert "<td>kb2</td>" in text  # approved and published by


def test_a_retired_answer_says_so(client, officer, kb_member, kb_member2, publish):
    article = publish(title="Old answer", body="B")
    retire = services.request_create(actor=kb_member, kind="retire", article=article)
    services.request_transition(request=retire, actor=kb_member, name="submit")
    services.request_transition(request=retire, actor=kb_member2, name="claim")
    services.request_transition(request=retire, actor=kb_member2, name="approve")
    services.request_transition(request=retire, actor=kb_member2, name="publish")

    text = (
        signed_in(client, officer.user).get(f"/knowledge/articles/{article.pk}/").content.decode()
    )

    assert 'class="retired"' in text
    assert "no longer in force" in text


# --- the review queue ---


def test_the_queue_counts_by_state_and_lists_the_open_ones_urgent_first(
    client, kb_member, officer, category
):
    now = timezone.now()
    old = RequestFactory(author=officer.user, category=category, state="submitted", title="Old")
    urgent = RequestFactory(
        author=officer.user, category=category, state="in_review", urgency="high", title="Urgent"
    )
    RequestFactory(author=officer.user, category=category, state="changes_requested", title="Back")
    KnowledgeRequest.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=2))
    KnowledgeRequest.objects.filter(pk=urgent.pk).update(created_at=now)

    text = signed_in(client, kb_member).get("/knowledge/review/").content.decode()

    assert text.index("Urgent") < text.index("Old")
    assert "Back</a>" not in text  # changes requested: not open for review
    assert (
        'data-count-state="changes_requested"><a href="?state=changes_requested"><span class="figure-value">1'
        in text
    )
    assert 'data-request-state="submitted"' in text
    assert text.count('name="transition" value="claim"') == 1  # only the submitted one


def test_the_queue_filters_by_state_urgency_and_category(client, kb_member, officer, category):
    delivery = CategoryFactory(code="delivery", name="Delivery")
    RequestFactory(author=officer.user, category=category, state="submitted", title="Install A")
    RequestFactory(
        author=officer.user, category=delivery, state="submitted", urgency="high", title="Late B"
    )
    RequestFactory(author=officer.user, category=delivery, state="rejected", title="Gone C")
    signed_in(client, kb_member)

    by_category = client.get("/knowledge/review/?category=delivery").content.decode()
    by_urgency = client.get("/knowledge/review/?urgency=normal").content.decode()
    by_state = client.get("/knowledge/review/?state=rejected").content.decode()

    assert "Late B" in by_category and "Install A" not in by_category
    assert "Install A" in by_urgency and "Late B" not in by_urgency
    assert "Gone C" in by_state and "Install A" not in by_state


def test_the_queue_shows_approvals_of_the_needed(client, kb_member, kb_member2, officer):
    sensitive = CategoryFactory(code="refund_policy", name="Refund policy", sensitive=True)
    request = RequestFactory(author=officer.user, category=sensitive, state="in_review")
    RequestApproval.objects.create(request=request, approver=kb_member2)

    text = signed_in(client, kb_member).get("/knowledge/review/").content.decode()

    assert "<td>1 of 2</td>" in text


def test_the_queue_runs_a_fixed_number_of_queries(client, kb_member, kb_member2, category):
    def requests(count):
        for _ in range(count):
            author = UserFactory(roles=[roles.OFFICERS])
            request = RequestFactory(author=author, category=category, state="in_review")
            RequestApproval.objects.create(request=request, approver=kb_member2)
            RequestFactory(author=author, category=category, state="submitted")

    signed_in(client, kb_member)
    requests(1)
    few = queries(client, "/knowledge/review/")
    requests(5)
    many = queries(client, "/knowledge/review/")

    assert few == many
    assert client.get("/knowledge/review/").content.decode().count("data-request-id=") == 12


def test_claiming_from_the_queue_opens_the_request(client, kb_member, raised):
    response = transition(signed_in(client, kb_member), raised, "claim")

    assert response.status_code == 302
    assert response["Location"] == f"/knowledge/requests/{raised.pk}/"
    raised.refresh_from_db()
    assert (raised.state, raised.reviewer) == ("in_review", kb_member)


# --- one request: diff, trail, actions ---


def test_the_diff_shows_removed_and_added_chinese_phrases(client, kb_member, publish, officer):
    article = publish(title="空调安装", body="空调安装需要预约")
    correction = services.request_create(
        actor=officer.user, kind="correction", article=article, body="空调安装无需预约，当天上门"
    )

    text = signed_in(client, officer.user).get(f"/knowledge/requests/{correction.pk}/").content
    text = text.decode()

    assert "<del>要</del>" in text
    assert "<ins>，当天上门</ins>" in text
    assert "Published (version 1)" in text


def test_the_diff_escapes_the_proposal(client, officer, category):
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=category, title="T", body="<script>x()</script>"
    )

    text = signed_in(client, officer.user).get(f"/knowledge/requests/{knowledge_request.pk}/")

    assert "<ins>&lt;script&gt;x()&lt;/script&gt;</ins>" in text.content.decode()


def test_only_allowed_transitions_are_buttons(client, officer, kb_member, raised):
    author_page = signed_in(client, officer.user).get(f"/knowledge/requests/{raised.pk}/")
    reviewer_page = signed_in(client, kb_member).get(f"/knowledge/requests/{raised.pk}/")

    assert 'name="transition"' not in author_page.content.decode()
    buttons = reviewer_page.content.decode()
    assert 'name="transition" value="claim"' in buttons
    assert 'name="transition" value="reject"' in buttons
    assert 'value="approve"' not in buttons


def test_request_changes_needs_a_comment_named_in_the_refusal(client, kb_member, raised):
    signed_in(client, kb_member)
    transition(client, raised, "claim")

    response = transition(client, raised, "request_changes")

    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-field="comment"' in text
    assert "This field is required." in text
    raised.refresh_from_db()
    assert raised.state == "in_review"


def test_requested_changes_go_back_to_the_author_with_the_comment(
    client, kb_member, officer, raised
):
    signed_in(client, kb_member)
    transition(client, raised, "claim")

    response = transition(client, raised, "request_changes", comment="Add the phone number.")

    assert response.status_code == 302
    page = signed_in(client, officer.user).get(f"/knowledge/requests/{raised.pk}/").content.decode()
    assert 'data-request-state="changes_requested"' in page
    assert "Add the phone number." in page
    assert 'name="transition" value="submit"' in page


def test_two_knowledge_team_approvals_approve_a_sensitive_request(
    client, officer, kb_member, kb_member2
):
    sensitive = CategoryFactory(code="refund_policy", name="Refund policy", sensitive=True)
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=sensitive, title="Refund", body="B"
    )
    services.request_transition(request=knowledge_request, actor=officer.user, name="submit")
    signed_in(client, kb_member)
    transition(client, knowledge_request, "claim")

    first = transition(client, knowledge_request, "approve")
    page = client.get(f"/knowledge/requests/{knowledge_request.pk}/").content.decode()
    second = transition(signed_in(client, kb_member2), knowledge_request, "approve")

    assert (first.status_code, second.status_code) == (302, 302)
    assert (
        "Approvals: 1 of 2 — approved by kb; one more approver is needed (not kb, not the author)"
        in page
    )
    knowledge_request.refresh_from_db()
    assert knowledge_request.state == "approved"
    assert RequestEvent.objects.filter(request=knowledge_request, kind="approve").count() == 2


def test_the_author_may_not_approve_their_own_request(client, kb_member, kb_member2, category):
    knowledge_request = services.request_create(
        actor=kb_member, kind="new", category=category, title="Mine", body="B"
    )
    services.request_transition(request=knowledge_request, actor=kb_member, name="submit")
    services.request_transition(request=knowledge_request, actor=kb_member2, name="claim")

    response = transition(signed_in(client, kb_member), knowledge_request, "approve")

    assert response.status_code == 403
    text = response.content.decode()
    assert 'data-code="self_approval"' in text
    assert "The author of a request may not approve it." in text


def test_a_transition_from_the_wrong_state_is_refused_with_409(client, kb_member, raised):
    response = transition(signed_in(client, kb_member), raised, "publish")

    assert response.status_code == 409
    assert "Cannot publish a request that is submitted." in response.content.decode()


def test_publishing_links_to_the_answer(client, kb_member, raised):
    signed_in(client, kb_member)
    for name in ("claim", "approve", "publish"):
        assert transition(client, raised, name).status_code == 302

    raised.refresh_from_db()
    page = client.get(f"/knowledge/requests/{raised.pk}/").content.decode()

    assert raised.state == "published"
    assert f'href="/knowledge/articles/{raised.article_id}/"' in page
    assert 'data-request-state="published"' in page


def test_the_author_edits_a_draft_and_submits_it(client, officer, category):
    draft = services.request_create(
        actor=officer.user, kind="new", category=category, title="Draft", body="Old words"
    )
    signed_in(client, officer.user)

    edited = client.post(
        f"/knowledge/requests/{draft.pk}/edit/", {"title": "Better", "body": "New words"}
    )
    submitted = transition(client, draft, "submit")

    assert (edited.status_code, submitted.status_code) == (302, 302)
    draft.refresh_from_db()
    assert (draft.title, draft.body, draft.state) == ("Better", "New words", "submitted")


def test_an_empty_body_is_refused_beside_the_field(client, officer, category):
    draft = services.request_create(
        actor=officer.user, kind="new", category=category, title="Draft", body="Words"
    )

    response = signed_in(client, officer.user).post(
        f"/knowledge/requests/{draft.pk}/edit/", {"title": "Draft", "body": " "}
    )

    assert response.status_code == 400
    assert 'data-field="body"' in response.content.decode()


def test_the_trail_shows_who_did_what_with_the_comment(client, kb_member, raised):
    signed_in(client, kb_member)
    transition(client, raised, "claim")
    transition(client, raised, "reject", reason="Duplicate of #1.")

    text = client.get(f"/knowledge/requests/{raised.pk}/panels/trail/").content.decode()

    assert "Claim" in text and "Reject" in text
    assert "Duplicate of #1." in text
    assert "<strong>kb</strong>" in text


def test_the_state_panel_refreshes_on_its_live_event(client, officer, raised):
    text = signed_in(client, officer.user).get(f"/knowledge/requests/{raised.pk}/").content.decode()

    assert f'hx-trigger="knowledge-request:{raised.pk} from:body' in text
    assert 'data-live-streams="/ws/workbench/"' in text


def test_the_queue_and_the_search_page_through_their_results(
    client, kb_member, officer, category, monkeypatch
):
    from knowledge import pages, review

    monkeypatch.setattr(review, "QUEUE_PAGE_SIZE", 2)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    for n in range(3):
        RequestFactory(author=officer.user, category=category, state="submitted", title=f"R{n}")
        indexed = {"title": f"Fan {n}", "tags": [], "body": "B"}
        article = Article.objects.create(
            title=f"Fan {n}",
            category=category,
            search_text=search.text_value(**indexed),
            search_vector=search.vector_value(**indexed),
        )
        article.published_version = ArticleVersion.objects.create(
            article=article, number=1, title=article.title, body="B", body_html="<p>B</p>"
        )
        article.save()
    signed_in(client, kb_member)

    for url in ("/knowledge/review/?state=submitted", "/knowledge/?q=fan"):
        first = client.get(url).content.decode()
        second = client.get(f"{url}&page=2").content.decode()
        assert "Page 1 of 2" in first and 'page=2">Next' in first, url
        assert "Page 2 of 2" in second and 'page=1">Previous' in second, url
