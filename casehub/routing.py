"""Websocket routes of every app, under /ws/."""

from compensation.routing import websocket_urlpatterns as compensation_ws
from escalation.routing import websocket_urlpatterns as escalation_ws
from knowledge.routing import websocket_urlpatterns as knowledge_ws

websocket_urlpatterns = [*escalation_ws, *compensation_ws, *knowledge_ws]
