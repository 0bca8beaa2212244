"""REST endpoints of badges and points (under /api/v1/)."""

from django.urls import path

from team.api.views import LeaderboardView

urlpatterns = [path("leaderboard/", LeaderboardView.as_view(), name="leaderboard")]
