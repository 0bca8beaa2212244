"""The compensation app's page fragments (its API is in ``compensation.api.urls``)."""

from django.urls import path

from compensation import views

urlpatterns = [
    path("cases/<int:case_id>/compensation/", views.case_panel, name="compensation-case-panel"),
    path("cases/<int:case_id>/compensation/grant/", views.grant_create, name="compensation-grant"),
]
