"""Websocket routes of the compensation app."""

websocket_urlpatterns: list = []
