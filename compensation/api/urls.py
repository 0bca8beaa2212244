"""REST endpoints of the compensation app (under /api/v1/)."""

urlpatterns: list = []
