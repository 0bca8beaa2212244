"""The peak-season pages and fragments (its API is in ``peak.api.urls``)."""

from django.urls import path

from peak import views

urlpatterns = [
    path("cases/<int:case_id>/notices/", views.case_notices, name="peak-case-notices"),
    path("surges/panel/", views.surges_panel, name="surges-panel"),
    path("dashboard/peak/", views.floor_panel, name="peak-floor-panel"),
    path("broadcasts/", views.broadcasts, name="broadcasts"),
]
