"""REST endpoints of the quality checks (under /api/v1/); the review queue of high-risk
compensation is ``compensation.api`` (``qa/reviews/``)."""

from django.urls import path

from quality.api.views import QACheckView, SensitiveTermList

urlpatterns = [
    path("qa/check/", QACheckView.as_view(), name="qa-check-api"),
    path("qa/terms/", SensitiveTermList.as_view(), name="qa-terms"),
]
