"""Websocket routes of the knowledge app."""

from django.urls import path

from knowledge import consumers

websocket_urlpatterns = [path("ws/knowledge/", consumers.KnowledgeConsumer.as_asgi())]
