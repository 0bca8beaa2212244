"""Websocket consumers: a case's room, a person's workbench and a department's stream.

Each one accepts the handshake and then, when the client may not subscribe, closes at once
with a code a browser can read (a refused handshake shows only as 1006 there):

- ``4401``: not authenticated (no session, an unknown or inactive token);
- ``4403``: authenticated, but not permitted this stream (a case the person cannot see,
  another department, no role).

Cookie sessions from a foreign origin never reach a consumer: ``core.live_auth``
refuses them at the handshake. A client passing ``?last_event_id=<n>`` receives what it
missed since that event; a client sending ``{"type": "ping"}`` gets ``{"type": "pong"}``
and renews its subscription.
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from core import roles
from core.consumers import REPLAY_LIMIT, LiveConsumer
from escalation import live, presence, selectors


def envelopes(events) -> list[dict]:
    return [asdict(live.case_updated(event)) for event in events]


class CaseRoomConsumer(LiveConsumer):
    """``/ws/cases/<id>/``: every change to one case the user may see."""

    def groups_for(self, user):
        case_id = self.scope["url_route"]["kwargs"]["case_id"]
        if not selectors.cases_visible_to(user).filter(pk=case_id).exists():
            return None
        self.case_id = case_id
        return [live.case_group(case_id)]

    def missed(self, user, last_event_id):
        return envelopes(
            selectors.events_since(last_event_id, limit=REPLAY_LIMIT, case_id=self.case_id)
        )

    # Presence: who has the case open (``escalation.presence``). Pages ask for it with
    # ``?presence=1``; a department's system following a case is not "someone looking".

    def shows_presence(self) -> bool:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        return bool(getattr(self, "joined", None)) and query.get("presence") == ["1"]

    async def connect(self):
        await super().connect()
        if self.shows_presence():
            await self._present(join=True)

    async def disconnect(self, code):
        if self.shows_presence():
            await self._present(join=False)
        await super().disconnect(code)

    async def receive_json(self, content, **kwargs):
        await super().receive_json(content, **kwargs)
        if content.get("type") == "ping" and self.shows_presence():
            await database_sync_to_async(presence.join)(
                self.case_id, self.channel_name, self.scope["user"]
            )

    async def _present(self, *, join: bool) -> None:
        if join:
            await database_sync_to_async(presence.join)(
                self.case_id, self.channel_name, self.scope["user"]
            )
        else:
            await database_sync_to_async(presence.leave)(self.case_id, self.channel_name)
        await self.channel_layer.group_send(
            live.case_group(self.case_id),
            {"type": "live.event", "event": presence.message(self.case_id)},
        )


class WorkbenchConsumer(LiveConsumer):
    """``/ws/workbench/``: changes to the cases of the connected officer, and notifications."""

    def groups_for(self, user):
        return [live.user_group(user.pk)]

    def missed(self, user, last_event_id):
        return envelopes(
            selectors.events_since(last_event_id, limit=REPLAY_LIMIT, case__officer__user=user)
        )


class FloorConsumer(LiveConsumer):
    """``/ws/floor/``: every case event, for the war report; officers and supervisors (who
    also hear ``officer.changed``, a colleague's availability and strain)."""

    def groups_for(self, user):
        if not roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS):
            return None
        if roles.is_supervisor(user):  # and the team's availability and strain
            return [live.FLOOR_GROUP, live.SUPERVISORS_GROUP]
        return [live.FLOOR_GROUP]

    def missed(self, user, last_event_id):
        return envelopes(selectors.events_since(last_event_id, limit=REPLAY_LIMIT))


class DepartmentConsumer(LiveConsumer):
    """``/ws/departments/<code>/``: every task change of one department, for its members."""

    def groups_for(self, user):
        code = self.scope["url_route"]["kwargs"]["code"]
        department = selectors.active_department(code)
        if department is None:
            return None
        allowed = roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS) or (
            roles.has_role(user, roles.DEPARTMENT_MEMBERS)
            and department.pk in selectors.department_ids_of(user)
        )
        if not allowed:
            return None
        self.code = code
        return [live.department_group(code)]

    def missed(self, user, last_event_id):
        return envelopes(
            selectors.events_since(last_event_id, limit=REPLAY_LIMIT, payload__department=self.code)
        )
