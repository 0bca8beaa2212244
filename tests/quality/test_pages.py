"""The pages' typing check (``/qa/check/``) and the flags shown on what was sent."""

import pytest

from escalation import services, taskgroups

pytestmark = pytest.mark.django_db


def test_the_typing_check_lists_the_terms_found_under_the_box(client, officer, terms):
    client.force_login(officer.user)

    response = client.post(
        "/qa/check/",
        {"qa_field": "body", "body": "我们保证 guarantee, GUARANTEE", "back": "/x/"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Check before sending:" in html
    assert 'data-qa-term="保证"' in html and 'data-qa-term="guarantee"' in html
    assert html.count('data-qa-term="guarantee"') == 1  # each term listed once
    assert "(Promise or commitment)" in html
    assert "You can still send it as written." in html


def test_the_typing_check_of_a_clean_text_is_empty(client, department_member, terms):
    client.force_login(department_member)

    response = client.post("/qa/check/", {"qa_field": "resolution", "resolution": "Fixed."})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_typing_check_reads_only_the_fields_it_knows(client, officer, terms):
    client.force_login(officer.user)

    response = client.post("/qa/check/", {"qa_field": "csrfmiddlewaretoken", "text": "保证"})

    assert response.content.decode().strip() == ""


def test_the_typing_check_is_for_people_who_write(client, frontline, officer, terms):
    assert client.post("/qa/check/", {"text": "保证"}).status_code == 302  # to the login page
    client.force_login(frontline)
    assert client.post("/qa/check/", {"text": "保证"}).status_code == 403
    client.force_login(officer.user)
    assert client.get("/qa/check/").status_code == 405


def test_the_thread_box_checks_as_it_is_typed_and_messages_show_their_flags(
    client, officer, logistics_task, terms
):
    taskgroups.task_message_post(task=logistics_task, actor=officer.user, body="It's <your fault>")
    client.force_login(officer.user)

    html = client.get(f"/tasks/{logistics_task.pk}/thread/").content.decode()

    assert 'hx-post="/qa/check/"' in html and 'hx-trigger="input changed delay:400ms"' in html
    assert '"qa_field": "body"' in html
    assert 'class="qa-warning" aria-live="polite"' in html
    assert (
        '&lt;<mark class="qa-mark" data-qa-category="blame">your fault</mark>&gt;' in html
    )  # marked, and still escaped
    assert 'data-qa-flags="1"' in html and 'data-qa-term="your fault"' in html


def test_a_message_posted_from_the_page_is_sent_as_written_with_its_flags(
    client, officer, logistics_task, terms
):
    client.force_login(officer.user)

    response = client.post(
        f"/tasks/{logistics_task.pk}/messages/",
        {"body": "投诉到底也没用", "back": "/"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    message = logistics_task.messages.get()
    assert message.body == "投诉到底也没用"
    assert message.qa_flags == [{"term": "投诉到底", "category": "legal", "start": 0, "end": 4}]
    assert 'data-qa-term="投诉到底"' in response.content.decode()


def test_the_case_page_checks_the_resolution_box_and_shows_the_flagged_resolution(
    client, officer, case_in, terms
):
    case = case_in("investigating")
    client.force_login(officer.user)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    box = page.split('id="t-resolve-resolution"')[1].split(">")[0]
    assert 'hx-post="/qa/check/"' in box and '"qa_field": "resolution"' in box
    assert 'class="qa-warning"' in page

    services.case_transition(
        case=case, actor=officer.user, name="resolve", resolution="Fixed, 保证不再坏"
    )
    header = client.get(f"/cases/{case.pk}/panels/header/").content.decode()
    assert 'class="case-resolution" data-qa-flags="1"' in header
    assert '<mark class="qa-mark" data-qa-category="promise">保证</mark>' in header
    assert 'data-qa-term="保证"' in header
