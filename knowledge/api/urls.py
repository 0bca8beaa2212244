"""REST endpoints of the knowledge app (under /api/v1/)."""

urlpatterns: list = []
