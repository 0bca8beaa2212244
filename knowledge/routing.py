"""Websocket routes of the knowledge app."""

websocket_urlpatterns: list = []
