"""REST endpoints of the peak-season systems (under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from peak.api.views import SurgeViewSet

router = SimpleRouter()
router.register("surges", SurgeViewSet, basename="surge")

urlpatterns = router.urls
