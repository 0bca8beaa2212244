"""Handing a follow-up back to the chatbot: the case page's card and the full round trip
through the platform's signed webhook and the tasks API."""

import time

import pytest
from rest_framework.authtoken.models import Token

from casehub.demo.bot_platform import BotPlatform
from escalation.jobs import deliver_webhook
from escalation.models import CaseEvent, Department, Task, WebhookDelivery
from escalation.taskgroups import bot
from tests.escalation.live_server import asgi_server
from tests.factories import CaseFactory, MembershipFactory, UserFactory

SECRET = "bot-secret-for-tests"


@pytest.fixture
def bot_department(db):
    department = Department.objects.create(
        code="bot",
        name="Chatbot platform",
        webhook_secret=SECRET,
        webhook_url="http://127.0.0.1:9/webhook",  # each round trip sets its platform's
    )
    account = UserFactory(username="bot_platform", roles=["department_members"])
    MembershipFactory(department=department, user=account, is_lead=True)
    return department


@pytest.fixture
def bot_case(officer):
    return CaseFactory(
        officer=officer,
        state="investigating",
        channel="chat",
        context={
            "intent": "delivery_delay",
            "bot_transcript": "bot: Hi!\ncustomer: 快递一周没有更新",
        },
    )


def hand_back(client, case, **posted):
    body = {"follow_up": "Send the new delivery slot and confirm", "due_in_hours": "2"}
    return client.post(f"/cases/{case.pk}/hand-back/", {**body, **posted}, HTTP_HX_REQUEST="true")


def test_the_case_page_shows_what_the_bot_heard_first(client, officer, bot_case, bot_department):
    client.force_login(officer.user)

    html = client.get(f"/cases/{bot_case.pk}/").content.decode()

    card = html.index('id="bot-card"')
    assert card < html.index('id="case-transitions"')
    assert card < html.index('id="customer-title"')
    assert "快递一周没有更新" in html and 'data-intent="delivery_delay"' in html
    assert 'name="follow_up"' in html


def test_handing_back_opens_one_task_for_the_bot(client, officer, bot_case, bot_department):
    client.force_login(officer.user)

    response = hand_back(client, bot_case)

    assert response.status_code == 200
    task = Task.objects.get(case=bot_case)
    assert (task.department.code, task.assignee.username) == ("bot", "bot_platform")
    assert task.details == "Send the new delivery slot and confirm"
    bot_case.refresh_from_db()
    assert bot_case.state == "awaiting_departments"
    assert CaseEvent.objects.filter(case=bot_case, kind="open_task_group").count() == 1
    assert 'data-task-state="open"' in response.content.decode()
    assert WebhookDelivery.objects.get(department=bot_department).event == "task_assigned"


@pytest.mark.parametrize(
    ("posted", "field"),
    [({"follow_up": "  "}, "follow_up"), ({"due_in_hours": "5"}, "due_in_hours")],
)
def test_a_bad_hand_back_names_the_field_and_changes_nothing(
    client, officer, bot_case, bot_department, posted, field
):
    client.force_login(officer.user)

    response = hand_back(client, bot_case, **posted)

    assert response.status_code == 400
    assert not Task.objects.exists()
    if field == "follow_up":
        assert "Say what the bot should follow up." in response.content.decode()


def test_without_a_bot_department_nothing_is_offered(client, officer, bot_case):
    client.force_login(officer.user)

    assert 'name="follow_up"' not in client.get(f"/cases/{bot_case.pk}/").content.decode()
    assert hand_back(client, bot_case).status_code == 422


def test_only_the_case_s_officer_or_a_supervisor_hands_back(
    client, other_officer, bot_case, bot_department
):
    client.force_login(other_officer.user)

    assert hand_back(client, bot_case).status_code == 403
    assert not Task.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_platform_takes_the_follow_up_through_its_signed_webhook_and_the_tasks_api(
    tmp_path, officer, bot_case, bot_department
):
    account = bot.bot_account(bot_department)
    token = Token.objects.create(user=account)
    with asgi_server(tmp_path) as server:
        platform = BotPlatform(
            api_url=f"{server.origin}/api/v1/", token=token.key, secret=SECRET
        ).start()
        try:
            Department.objects.filter(pk=bot_department.pk).update(webhook_url=platform.webhook_url)
            group = bot.hand_back(
                case=bot_case, actor=officer.user, follow_up="Confirm the slot", due_in_hours=2
            )  # committed: the webhook goes out (eagerly here) and the platform answers 202
            task = group.tasks.get()
            deadline = time.monotonic() + 30
            while task.pk not in platform.completed and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            platform.stop()

    assert platform.completed == [task.pk], server.logged()
    assert platform.refused == 0
    task.refresh_from_db()
    assert task.state == "done"
    assert task.outcome == "Sent to the customer in the chat: Confirm the slot"
    kinds = list(
        CaseEvent.objects.filter(case=bot_case, actor=account)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["task_accept", "task_complete"]
    bot_case.refresh_from_db()
    assert bot_case.state == "investigating"  # back to its officer
    delivery = WebhookDelivery.objects.get(department=bot_department, event="task_assigned")
    assert (delivery.state, delivery.response_status) == ("delivered", 202)


@pytest.mark.django_db(transaction=True)
def test_the_platform_refuses_a_post_signed_with_another_secret(officer, bot_case, bot_department):
    platform = BotPlatform(api_url="http://127.0.0.1:9/api/v1/", token="x", secret="other").start()
    try:
        Department.objects.filter(pk=bot_department.pk).update(webhook_url=platform.webhook_url)
        bot.hand_back(case=bot_case, actor=officer.user, follow_up="Confirm", due_in_hours=1)
        delivery = WebhookDelivery.objects.get(department=bot_department)
        deliver_webhook.apply(args=[delivery.pk])
    finally:
        platform.stop()

    delivery.refresh_from_db()
    assert delivery.state != "delivered" and delivery.response_status == 401
    assert platform.refused >= 1 and platform.completed == []
