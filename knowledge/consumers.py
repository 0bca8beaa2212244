"""``/ws/knowledge/``: the knowledge stream every workstation listens to.

Any authenticated user holding a role may subscribe (else close code 4401 or 4403, as
for every live stream: see ``escalation.consumers``). A client reconnecting with
``?last_event_id=<n>`` receives the ``knowledge.published`` events of the versions
published after version id ``n``. The knowledge team and supervisors also join
``knowledge.live.REVIEW_GROUP``: every request's ``knowledge.request`` for the review queue.
"""

from __future__ import annotations

from dataclasses import asdict

from core import live as core_live
from core import roles
from core.consumers import REPLAY_LIMIT, LiveConsumer
from knowledge import live, selectors


class KnowledgeConsumer(LiveConsumer):
    def groups_for(self, user):
        if not roles.has_role(user, *selectors.READERS):
            return None
        if roles.has_role(user, *selectors.REQUEST_OVERSEERS):
            return [core_live.KNOWLEDGE_GROUP, live.REVIEW_GROUP]
        return [core_live.KNOWLEDGE_GROUP]

    def missed(self, user, last_event_id):
        versions = selectors.versions_since(last_event_id, limit=REPLAY_LIMIT)
        return [asdict(live.knowledge_published(v.article, v)) for v in versions]
