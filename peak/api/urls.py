"""REST endpoints of the peak-season systems (under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from peak.api.forecast import ForecastView
from peak.api.notices import BroadcastView, CaseNoticesView
from peak.api.views import SurgeViewSet

router = SimpleRouter()
router.register("surges", SurgeViewSet, basename="surge")

urlpatterns = [
    *router.urls,
    path("cases/<int:case_id>/notices/", CaseNoticesView.as_view(), name="case-notices"),
    path("notices/broadcast/", BroadcastView.as_view(), name="notice-broadcast"),
]
urlpatterns.append(path("forecast/", ForecastView.as_view(), name="forecast"))
