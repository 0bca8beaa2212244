"""The knowledge app's page fragments (its API is in ``knowledge.api.urls``)."""

from django.urls import path

from knowledge import views

urlpatterns = [
    path("knowledge/panels/hot/", views.hot_panel, name="knowledge-hot-panel"),
    path("cases/<int:case_id>/knowledge/", views.case_panel, name="knowledge-case-panel"),
    path(
        "cases/<int:case_id>/knowledge/request/",
        views.request_from_case,
        name="knowledge-request-from-case",
    ),
]
