"""REST endpoints of the knowledge app (under /api/v1/knowledge/)."""

from rest_framework.routers import SimpleRouter

from knowledge.api.views import ArticleViewSet, CategoryViewSet, RequestViewSet

router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="knowledge-article")
router.register("requests", RequestViewSet, basename="knowledge-request")
router.register("categories", CategoryViewSet, basename="knowledge-category")

urlpatterns = router.urls
