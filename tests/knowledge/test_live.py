"""The knowledge stream: a published answer reaches every open workstation without reload."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from casehub.asgi import application
from knowledge import services

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(path: str, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if user is not None:
        key = Token.objects.get_or_create(user=user)[0].key
        headers.append((b"authorization", f"Token {key}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.fixture
def fresh_layer():
    """Channel layers are cached per process; tests that change settings start afresh."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def _listen_while(path, user, action, count=1):
    """Connect, run ``action`` (sync, committing), return the first ``count`` messages."""

    communicator = _communicator(path, user)

    async def run():
        connected, _code = await communicator.connect()
        assert connected
        await sync_to_async(action)()
        received = [await communicator.receive_json_from(timeout=5) for _ in range(count)]
        await communicator.disconnect()
        return received

    return async_to_sync(run)()


def test_a_workstation_receives_the_published_answer_live(fresh_layer, publish, frontline):
    published = {}

    def publish_one():
        published["article"] = publish(title="Fan model X recall", body="**Stop** using it.")

    (message,) = _listen_while("/ws/knowledge/", frontline, publish_one)

    article = published["article"]
    assert message["type"] == "knowledge.published"
    assert (message["id"], message["version"], message["title"]) == (
        article.pk,
        1,
        "Fan model X recall",
    )
    assert message["event_id"] == article.published_version_id
    assert message["body_html"] == "<p><strong>Stop</strong> using it.</p>"


def test_the_requester_and_the_case_officer_are_notified(
    fresh_layer, publish, officer, case_in, frontline
):
    case = case_in("investigating")

    def publish_from_case():
        publish(author=frontline, case=case, title="T", body="B")

    messages = _listen_while("/ws/workbench/", officer.user, publish_from_case, count=3)

    kinds = [(m["type"], m.get("kind")) for m in messages]
    assert ("notification", "knowledge_published") in kinds
    assert ("case.updated", "knowledge_published") in kinds


def test_anonymous_and_roleless_people_cannot_subscribe(fresh_layer, nobody):
    async def run(communicator):
        connected, _ = await communicator.connect()
        closed = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
        assert (connected, closed["type"]) == (True, "websocket.close")  # accepted, then closed
        return closed["code"]

    assert async_to_sync(run)(_communicator("/ws/knowledge/")) == 4401
    assert async_to_sync(run)(_communicator("/ws/knowledge/", nobody)) == 4403


def test_a_reconnecting_workstation_receives_what_it_missed(fresh_layer, publish, frontline):
    first = publish(title="First", body="B")
    second = publish(title="Second", body="B")

    path = f"/ws/knowledge/?last_event_id={first.published_version_id}"
    communicator = _communicator(path, frontline)

    async def run():
        connected, _code = await communicator.connect()
        assert connected
        message = await communicator.receive_json_from(timeout=5)
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return message

    message = async_to_sync(run)()

    assert (message["id"], message["title"]) == (second.pk, "Second")


@pytest.mark.redis
def test_the_published_answer_travels_over_the_redis_channel_layer(
    fresh_layer, settings, publish, frontline
):
    import os

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": "casehub-test-kb"},
        }
    }
    channel_layers.backends = {}

    (message,) = _listen_while(
        "/ws/knowledge/", frontline, lambda: publish(title="Over Redis", body="B")
    )

    assert (message["type"], message["title"]) == ("knowledge.published", "Over Redis")


def test_the_author_hears_of_their_request_changing_state(
    fresh_layer, officer, kb_member, category
):
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=category, title="T", body="B"
    )
    services.request_transition(request=knowledge_request, actor=officer.user, name="submit")

    (message,) = _listen_while(
        "/ws/workbench/",
        officer.user,
        lambda: services.request_transition(
            request=knowledge_request, actor=kb_member, name="claim"
        ),
    )

    assert message["type"] == "knowledge.request"
    assert (message["id"], message["from"], message["state"]) == (
        knowledge_request.pk,
        "submitted",
        "in_review",
    )
    assert (message["actor"], message["approvals"], message["needed"]) == ("kb", 0, 1)
    assert "event_id" not in message  # the knowledge stream's ids are article versions


def test_the_review_queue_hears_of_every_request_and_officers_do_not(
    fresh_layer, officer, kb_member, category
):
    knowledge_request = services.request_create(
        actor=officer.user, kind="new", category=category, title="T", body="B"
    )

    def submit():
        services.request_transition(request=knowledge_request, actor=officer.user, name="submit")

    (message,) = _listen_while("/ws/knowledge/", kb_member, submit)

    assert (message["type"], message["state"]) == ("knowledge.request", "submitted")

    communicator = _communicator("/ws/knowledge/", officer.user)

    async def officer_hears_nothing():
        connected, _code = await communicator.connect()
        assert connected
        await sync_to_async(
            lambda: services.request_transition(
                request=knowledge_request, actor=kb_member, name="claim"
            )
        )()
        nothing = await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return nothing

    assert async_to_sync(officer_hears_nothing)()
