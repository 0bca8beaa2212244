"""Department webhooks delivered to a real receiver on 127.0.0.1: signed, retried, never doubled."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from escalation import taskgroups
from escalation.jobs import deliver_webhook
from escalation.models import WebhookDelivery
from escalation.taskgroups import webhooks
from tests.escalation.conftest import soon


class Receiver:
    """A department's system: records posts, failing the first ``fail_first`` with 503."""

    def __init__(self, fail_first: int = 0):
        self.posts: list[tuple[dict, bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.headers, body))
                status = 503 if len(receiver.posts) <= receiver.fail_first else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/casehub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(logistics):
    receiver = Receiver()
    logistics.webhook_url = receiver.url
    logistics.webhook_secret = "s3cret"
    logistics.save()
    yield receiver
    receiver.close()


def test_assigning_a_task_posts_a_signed_event(receiver, group, django_capture_on_commit_callbacks):
    deliveries = list(WebhookDelivery.objects.filter(department__code="logistics"))
    for delivery in deliveries:
        deliver_webhook.apply(args=[delivery.pk])

    headers, body = receiver.posts[0]
    assert headers["X-CaseHub-Event"] == "task_assigned"
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-CaseHub-Signature"], expected)
    payload = json.loads(body)
    assert payload["data"]["department"] == "logistics"
    assert payload["data"]["assignee"] == "logistics_member"
    assert WebhookDelivery.objects.get(pk=deliveries[0].pk).state == "delivered"


def test_every_task_change_is_queued_for_its_department(receiver, logistics_task, logistics_member):
    taskgroups.task_transition(task=logistics_task, actor=logistics_member, name="accept")

    events = list(
        WebhookDelivery.objects.filter(department__code="logistics")
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == ["task_assigned", "task_accept"]
    assert not WebhookDelivery.objects.filter(department__code="tech").exists()


def test_failed_posts_are_retried_until_delivered(logistics, group):
    receiver = Receiver(fail_first=2)
    try:
        delivery = WebhookDelivery.objects.create(
            department=logistics, event="task_accept", payload={"task": 1}, url=receiver.url
        )

        deliver_webhook.apply(args=[delivery.pk])  # eager: retries run at once

        delivery.refresh_from_db()
        assert len(receiver.posts) == 3
        assert (delivery.state, delivery.attempts, delivery.response_status) == (
            "delivered",
            3,
            200,
        )
        assert {h["X-CaseHub-Delivery"] for h, _ in receiver.posts} == {str(delivery.pk)}
    finally:
        receiver.close()


def test_a_delivered_event_is_never_posted_twice(receiver, logistics):
    delivery = WebhookDelivery.objects.create(
        department=logistics, event="task_accept", payload={"task": 1}, url=receiver.url
    )

    deliver_webhook.apply(args=[delivery.pk])
    deliver_webhook.apply(args=[delivery.pk])  # a redelivered task message

    assert len(receiver.posts) == 1


def test_an_unreachable_receiver_ends_failed_after_the_retries(logistics):
    delivery = WebhookDelivery.objects.create(
        department=logistics, event="task_accept", payload={}, url="http://127.0.0.1:9/none"
    )

    deliver_webhook.apply(args=[delivery.pk])

    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.attempts == 7
    assert delivery.last_error


@pytest.mark.parametrize(
    ("hooked", "queued"),
    [
        ({"logistics"}, [("logistics", "task_assigned")]),
        (set(), []),
    ],
    ids=["logistics-has-a-url", "no-department-has-a-url"],
)
def test_departments_without_a_url_get_no_deliveries(
    investigating_case, officer, logistics_member, tech_member, hooked, queued
):
    """The same group queues for the department with a URL, so an empty queue means something."""
    for user in (logistics_member, tech_member):
        department = user.department_memberships.get().department
        if department.code in hooked:
            department.webhook_url = "http://127.0.0.1:9/casehub"
            department.save()

    taskgroups.task_group_open(
        case=investigating_case,
        actor=officer.user,
        title="Install delayed",
        tasks=[
            {
                "department": user.department_memberships.get().department,
                "assignee": user,
                "title": "Check",
                "due_at": soon(),
            }
            for user in (logistics_member, tech_member)
        ],
    )

    assert list(WebhookDelivery.objects.values_list("department__code", "event")) == queued


def test_signature_helper_matches_hmac_sha256():
    assert webhooks.sign("k", b"{}") == "sha256=" + hmac.new(b"k", b"{}", "sha256").hexdigest()
