"""REST endpoints of the team: officers, badges and points (under /api/v1/)."""

from django.urls import path

from team.api.officers import MyOfficerView, OfficerListView
from team.api.views import LeaderboardView

urlpatterns = [
    path("leaderboard/", LeaderboardView.as_view(), name="leaderboard"),
    path("officers/", OfficerListView.as_view(), name="officer-list"),
    path("officers/me/", MyOfficerView.as_view(), name="officer-me"),
]
