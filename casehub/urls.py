from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from casehub import approvals, dashboard, health
from casehub import views as casehub_views
from core import metrics
from escalation import views as escalation_views
from escalation.api.auth import TokenView

api_v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("escalation.api.urls")),
    path("", include("compensation.api.urls")),
    path("knowledge/", include("knowledge.api.urls")),
    path("", include("peak.api.urls")),
    path("", include("quality.api.urls")),
    path("", include("team.api.urls")),
]

handler404 = "core.api.errors.not_found"

urlpatterns = [
    # First: departments' systems call the API far more often than people open pages, and
    # Django tries the patterns in order.
    path("api/v1/", include(api_v1)),
    path("", casehub_views.home, name="home"),
    path("queue/", escalation_views.queue, name="queue"),
    path("dashboard/", dashboard.page, name="dashboard"),
    path("dashboard/<slug:slug>.csv", dashboard.table_csv, name="dashboard-csv"),
    path("approvals/", approvals.page, name="approvals"),
    path("approvals/count/", approvals.count, name="approvals-count"),
    path("approvals/grants/<int:grant_id>/decide/", approvals.decide, name="approvals-decide"),
    path("approvals/grants/<int:grant_id>/review/", approvals.review, name="approvals-review"),
    path("approvals/clocks/<int:clock_id>/extend/", approvals.extend, name="approvals-extend"),
    path("", include("escalation.urls")),
    path("", include("compensation.urls")),
    path("", include("knowledge.urls")),
    path("", include("peak.urls")),
    path("", include("quality.urls")),
    path("", include("team.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("accounts/login/", casehub_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
