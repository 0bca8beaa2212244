from rest_framework.routers import SimpleRouter

from escalation.api.views import CaseViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

urlpatterns = router.urls
