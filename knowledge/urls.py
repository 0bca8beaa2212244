"""The knowledge app's pages and page fragments (its API is in ``knowledge.api.urls``)."""

from django.urls import path

from knowledge import pages, review, views

urlpatterns = [
    path("knowledge/", pages.search, name="knowledge"),
    path("knowledge/articles/<int:article_id>/", pages.article_page, name="knowledge-article"),
    path("knowledge/articles/<int:article_id>/hot/", pages.article_hot, name="knowledge-hot"),
    path("knowledge/review/", review.review_queue, name="knowledge-review"),
    path("knowledge/requests/<int:request_id>/", review.request_page, name="knowledge-request"),
    path(
        "knowledge/requests/<int:request_id>/panels/<slug:panel>/",
        review.request_panel,
        name="knowledge-request-panel",
    ),
    path(
        "knowledge/requests/<int:request_id>/transition/",
        review.request_transition,
        name="knowledge-request-transition",
    ),
    path(
        "knowledge/requests/<int:request_id>/edit/",
        review.request_edit,
        name="knowledge-request-edit",
    ),
    path("knowledge/panels/hot/", views.hot_panel, name="knowledge-hot-panel"),
    path("cases/<int:case_id>/knowledge/", views.case_panel, name="knowledge-case-panel"),
    path(
        "cases/<int:case_id>/knowledge/request/",
        views.request_from_case,
        name="knowledge-request-from-case",
    ),
]
