"""One client flooding its socket is closed (4429) without slowing anybody else's."""

import pytest
from channels.db import database_sync_to_async

from core.consumers import BURST, TOO_MANY_MESSAGES
from tests.escalation.test_live import connect, scenario

pytestmark = pytest.mark.django_db(transaction=True)


@scenario
async def test_a_flooding_socket_is_closed_and_the_others_keep_their_answers(
    case_in, officer, supervisor
):
    await database_sync_to_async(case_in)("assigned")
    flooder, connected, _ = await connect("/ws/workbench/", officer.user)
    calm, calm_connected, _ = await connect("/ws/workbench/", supervisor)
    assert connected and calm_connected

    pongs = 0
    closed_with = None
    for _ in range(BURST * 5):
        await flooder.send_json_to({"type": "ping"})
    while True:
        message = await flooder.receive_output(timeout=3)
        if message["type"] == "websocket.close":
            closed_with = message["code"]
            break
        pongs += 1
    await calm.send_json_to({"type": "ping"})

    assert closed_with == TOO_MANY_MESSAGES
    assert BURST <= pongs < BURST * 2  # the allowance (and what refilled) was answered
    assert await calm.receive_json_from(timeout=3) == {"type": "pong"}
    await calm.disconnect()
    await flooder.disconnect()


@scenario
async def test_a_frame_that_is_not_json_is_ignored(case_in, officer):
    await database_sync_to_async(case_in)("assigned")
    socket, connected, _ = await connect("/ws/workbench/", officer.user)
    assert connected

    await socket.send_to(text_data="{not json")
    await socket.send_to(text_data="[1, 2]")
    await socket.send_json_to({"type": "ping"})

    assert await socket.receive_json_from(timeout=3) == {"type": "pong"}
    await socket.disconnect()
