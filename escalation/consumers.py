"""Websocket consumers: a case's room and a person's workbench stream.

Both authenticate on connect (4401 when anonymous, 4403 when not permitted) and replay
what the client missed when it passes ``?last_event_id=<n>``.
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core import roles
from escalation import live, selectors
from escalation.models import CaseEvent, Department

REPLAY_LIMIT = 500


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups ``groups_for`` names and forwards ``live.event`` messages."""

    groups: list[str] = []

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        groups = await database_sync_to_async(self.groups_for)(user)
        if groups is None:
            await self.close(code=4403)
            return
        self.joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        last = self.last_event_id()
        if last is not None:
            for message in await database_sync_to_async(self.missed)(user, last):
                await self.send_json(message)

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message):
        await self.send_json(message["event"])

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    def last_event_id(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            return int(query["last_event_id"][0])
        except (KeyError, ValueError, IndexError):
            return None

    def groups_for(self, user) -> list[str] | None:
        raise NotImplementedError

    def missed(self, user, last_event_id: int) -> list[dict]:
        return []

    @staticmethod
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
        events = (
            CaseEvent.objects.filter(case_id=self.case_id, pk__gt=last_event_id)
            .select_related("case__officer__user", "actor")
            .order_by("pk")[:REPLAY_LIMIT]
        )
        return self.envelopes(events)


class WorkbenchConsumer(LiveConsumer):
    """``/ws/workbench/``: changes to the cases of the connected officer, and notifications."""

    def groups_for(self, user):
        return [live.user_group(user.pk)]

    def missed(self, user, last_event_id):
        events = (
            CaseEvent.objects.filter(case__officer__user=user, pk__gt=last_event_id)
            .select_related("case__officer__user", "actor")
            .order_by("pk")[:REPLAY_LIMIT]
        )
        return self.envelopes(events)


class DepartmentConsumer(LiveConsumer):
    """``/ws/departments/<code>/``: every task change of one department, for its members."""

    def groups_for(self, user):
        code = self.scope["url_route"]["kwargs"]["code"]
        department = Department.objects.filter(code=code, active=True).first()
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
        events = (
            CaseEvent.objects.filter(payload__department=self.code, pk__gt=last_event_id)
            .select_related("case__officer__user", "actor")
            .order_by("pk")[:REPLAY_LIMIT]
        )
        return self.envelopes(events)
