"""Two web processes on one Redis and one PostgreSQL: a socket on process A hears a
transition made through process B, as a browser and a department system on different
processes of a cluster would."""

import json
import os
import urllib.request
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect as ws_connect

from tests.escalation.live_server import asgi_server
from tests.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_socket_on_one_process_hears_a_transition_made_through_another(tmp_path, officer):
    case = CaseFactory(officer=officer, state="assigned")
    token = Token.objects.create(user=officer.user).key
    redis_url = os.environ["REDIS_URL"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    with (
        asgi_server(Path(tmp_path / "a"), redis_url=redis_url) as a,
        asgi_server(Path(tmp_path / "b"), redis_url=redis_url) as b,
    ):
        assert a.port != b.port
        with ws_connect(f"{a.ws}/ws/cases/{case.pk}/?token={token}&last_event_id=0") as socket:
            socket.send(json.dumps({"type": "ping"}))
            while json.loads(socket.recv(timeout=10)).get("type") != "pong":
                pass  # the replay comes first; the pong says the room is joined
            request = urllib.request.Request(
                f"{b.origin}/api/v1/cases/{case.pk}/transitions/",
                method="POST",
                data=json.dumps({"transition": "start"}).encode(),
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status in (200, 201)
            while True:
                event = json.loads(socket.recv(timeout=10))
                if event.get("type") == "case.updated" and event.get("kind") == "start":
                    break
    assert event["id"] == case.pk
    assert event["to_state"] == "investigating"
