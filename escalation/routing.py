from django.urls import path

from escalation import consumers

websocket_urlpatterns = [
    path("ws/cases/<int:case_id>/", consumers.CaseRoomConsumer.as_asgi()),
    path("ws/workbench/", consumers.WorkbenchConsumer.as_asgi()),
    path("ws/floor/", consumers.FloorConsumer.as_asgi()),
    path("ws/departments/<slug:code>/", consumers.DepartmentConsumer.as_asgi()),
]
