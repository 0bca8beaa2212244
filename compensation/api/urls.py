"""REST endpoints of the compensation app (under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from compensation.api.qa import QAReviewList
from compensation.api.views import GrantViewSet

router = SimpleRouter()
router.register("compensations", GrantViewSet, basename="compensation")

urlpatterns = [
    *router.urls,
    path("qa/reviews/", QAReviewList.as_view(), name="qa-reviews"),
]
