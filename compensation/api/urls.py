"""REST endpoints of the compensation app (under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from compensation.api.views import GrantViewSet

router = SimpleRouter()
router.register("compensations", GrantViewSet, basename="compensation")

urlpatterns = router.urls
