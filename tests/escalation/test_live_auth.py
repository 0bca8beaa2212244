"""Who may open a socket, from where, and how a refusal reads.

A token is welcome from any client, with or without ``Origin``; a session cookie only
from the server's own origin (scheme, host and port) or a trusted one, else HTTP 403 at
the handshake. A consumer that refuses accepts first and closes with 4401 (not
authenticated) or 4403 (not permitted), which a browser can read.
"""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from casehub.asgi import application
from tests.escalation.live_server import asgi_server

pytestmark = pytest.mark.django_db(transaction=True)

SERVER = "127.0.0.1:8000"
OWN_ORIGIN = f"http://{SERVER}"


def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def open_socket(path, *, origin=None, host=SERVER, cookie=None, token=None, scheme=None, **extra):
    """``(accepted, close code right after, or None while it stays open)``, in process."""
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    if token is not None:
        headers.append((b"authorization", f"Token {token}".encode()))
    headers += [(name.replace("_", "-").encode(), value.encode()) for name, value in extra.items()]

    async def run():
        communicator = WebsocketCommunicator(application, path, headers=headers)
        if scheme:
            communicator.scope["scheme"] = scheme
        accepted, _ = await communicator.connect(timeout=5)
        if not accepted:
            return False, None
        code = None
        if not await communicator.receive_nothing(0.2):
            message = await communicator.receive_output(timeout=1)
            assert message["type"] == "websocket.close", message
            code = message["code"]
        await communicator.disconnect()
        return True, code

    return async_to_sync(run)()


OPEN = (True, None)
REFUSED_AT_HANDSHAKE = (False, None)


def test_a_token_opens_the_workbench_without_an_origin(officer):
    path = f"/ws/workbench/?token={token_for(officer.user)}"

    assert open_socket(path) == OPEN


def test_a_token_opens_the_workbench_from_any_origin(officer):
    token = token_for(officer.user)

    assert open_socket("/ws/workbench/", token=token, origin="https://elsewhere.example") == OPEN


def test_a_session_opens_from_the_servers_own_origin(officer):
    assert (
        open_socket("/ws/workbench/", cookie=session_cookie(officer.user), origin=OWN_ORIGIN)
        == OPEN
    )


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:1234",  # another port of the same host
        "http://127.0.0.1",  # the default port is another port too
        "https://127.0.0.1:8000",  # another scheme
        "http://localhost:8000",  # another host
        "http://evil.example",
        "null",
        "",
    ],
)
def test_a_session_from_any_other_origin_is_refused_at_the_handshake(officer, origin):
    cookie = session_cookie(officer.user)

    assert open_socket("/ws/workbench/", cookie=cookie, origin=origin) == REFUSED_AT_HANDSHAKE


def test_a_session_without_an_origin_is_refused_at_the_handshake(officer):
    assert open_socket("/ws/workbench/", cookie=session_cookie(officer.user)) == (
        REFUSED_AT_HANDSHAKE
    )


def test_a_foreign_origin_is_refused_alike_with_or_without_a_session(officer):
    """A foreign page cannot tell from the refusal whether its visitor is signed in."""
    foreign = "http://127.0.0.1:1234"
    signed_in = open_socket("/ws/workbench/", cookie=session_cookie(officer.user), origin=foreign)

    assert signed_in == open_socket("/ws/workbench/", origin=foreign) == REFUSED_AT_HANDSHAKE


def test_a_host_outside_allowed_hosts_does_not_make_its_origin_own(officer):
    """A rebound DNS name gives a matching Host and Origin: the host must be allowed too."""
    cookie = session_cookie(officer.user)

    assert open_socket(
        "/ws/workbench/", cookie=cookie, host="evil.example", origin="http://evil.example"
    ) == (REFUSED_AT_HANDSHAKE)


def test_a_session_opens_from_a_trusted_origin(officer, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://casehub.example.com", "https://*.example.org"]
    cookie = session_cookie(officer.user)

    assert (
        open_socket("/ws/workbench/", cookie=cookie, origin="https://casehub.example.com") == OPEN
    )
    assert open_socket("/ws/workbench/", cookie=cookie, origin="https://ops.example.org") == OPEN
    assert open_socket("/ws/workbench/", cookie=cookie, origin="http://ops.example.org") == (
        REFUSED_AT_HANDSHAKE
    )


def test_a_secure_page_opens_over_wss_or_behind_a_tls_proxy(officer, settings):
    cookie = session_cookie(officer.user)
    secure = f"https://{SERVER}"

    assert open_socket("/ws/workbench/", cookie=cookie, origin=secure, scheme="wss") == OPEN
    assert open_socket("/ws/workbench/", cookie=cookie, origin=secure) == REFUSED_AT_HANDSHAKE
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert open_socket(
        "/ws/workbench/", cookie=cookie, origin=secure, x_forwarded_proto="https"
    ) == (OPEN)


def test_anonymous_on_the_own_origin_is_closed_with_4401(db):
    assert open_socket("/ws/workbench/", origin=OWN_ORIGIN) == (True, 4401)


def test_an_unknown_or_inactive_token_is_closed_with_4401(officer):
    token = token_for(officer.user)
    officer.user.is_active = False
    officer.user.save()

    assert open_socket("/ws/workbench/?token=not-a-token") == (True, 4401)
    assert open_socket(f"/ws/workbench/?token={token}") == (True, 4401)


def test_a_stream_the_person_may_not_follow_is_closed_with_4403(case_in, department_member, nobody):
    case = case_in("assigned")

    assert open_socket(f"/ws/cases/{case.pk}/", token=token_for(department_member)) == (True, 4403)
    assert open_socket("/ws/knowledge/", token=token_for(nobody)) == (True, 4403)
    assert open_socket("/ws/departments/nowhere/", token=token_for(department_member)) == (
        True,
        4403,
    )


@pytest.mark.postgres
def test_a_real_client_reads_the_close_codes_and_the_handshake_refusal(tmp_path, officer, nobody):
    """Under uvicorn, as a browser or a department's system meets them."""
    with asgi_server(tmp_path) as server:
        own = server.origin

        with ws_connect(f"{server.ws}/ws/workbench/?token={token_for(officer.user)}") as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}

        for path, origin, code in [
            ("/ws/workbench/", own, 4401),
            (f"/ws/knowledge/?token={token_for(nobody)}", None, 4403),
        ]:
            with ws_connect(f"{server.ws}{path}", origin=origin) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    ws.recv(timeout=10)
                assert closed.value.rcvd.code == code

        cookie = session_cookie(officer.user)
        with pytest.raises(InvalidStatus) as refused:
            ws_connect(
                f"{server.ws}/ws/workbench/",
                origin=f"http://127.0.0.1:{server.port + 1}",
                additional_headers={"Cookie": cookie},
            )
        assert refused.value.response.status_code == 403
        with ws_connect(
            f"{server.ws}/ws/workbench/", origin=own, additional_headers={"Cookie": cookie}
        ) as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
