"""The escalation app's pages (the API's routes are in ``escalation.api.urls``)."""

from django.urls import path

from escalation.views import cases, floor, notifications, taskboard, workbench

urlpatterns = [
    path("workbench/", workbench.workbench, name="workbench"),
    path("workbench/availability/", floor.availability, name="availability"),
    path("dashboard/floor/", floor.team_panel, name="floor-team-panel"),
    path("cases/<int:case_id>/", cases.case_page, name="case"),
    path("cases/<int:case_id>/panels/<slug:panel>/", cases.case_panel, name="case-panel"),
    path("cases/<int:case_id>/transition/", cases.case_transition, name="case-transition"),
    path("cases/<int:case_id>/task-groups/", taskboard.task_group_create, name="task-group-create"),
    path("cases/<int:case_id>/hand-back/", taskboard.bot_hand_back, name="bot-hand-back"),
    path("tasks/<int:task_id>/", taskboard.task_card_view, name="task-card"),
    path("tasks/<int:task_id>/transition/", taskboard.task_transition, name="task-transition"),
    path("tasks/<int:task_id>/thread/", taskboard.task_thread, name="task-thread"),
    path("tasks/<int:task_id>/messages/", taskboard.task_message, name="task-message"),
    path("departments/<slug:code>/", taskboard.department_board, name="department-board"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
]
