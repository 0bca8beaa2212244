"""The quality checks' page endpoint (its API is in ``quality.api.urls``)."""

from django.urls import path

from quality import views

urlpatterns = [
    path("qa/check/", views.check, name="qa-check"),
]
