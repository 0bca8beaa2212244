"""Badge and points fragments (the leaderboard API is in ``team.api.urls``)."""

from django.urls import path

from team import views

urlpatterns = [
    path("cases/<int:case_id>/praise/", views.case_praise, name="team-case-praise"),
    path("dashboard/team/", views.leaderboard_panel, name="team-leaderboard-panel"),
    path("workbench/badges/", views.my_badges, name="team-my-badges"),
]
