"""The site's Content-Security-Policy, built once (``core.middleware.CSPMiddleware``): every
response gets exactly the header django-csp's own middleware would give it."""

import pytest
from csp.constants import NONCE, SELF
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory, override_settings

from core.middleware import CSPMiddleware

HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def answered(middleware_class, path="/workbench/", use_nonce=False, **response_attributes):
    def view(request):
        if use_nonce:
            str(request.csp_nonce)
        response = JsonResponse({}) if path.startswith("/api/") else HttpResponse("<p>hi</p>")
        for name, value in response_attributes.items():
            setattr(response, name, value)
        return response

    middleware = middleware_class(view)
    request = RequestFactory().get(path)
    middleware.process_request(request)
    response = middleware.process_response(request, view(request))
    return {header: response.get(header) for header in HEADERS}


def same_as_django_csp(**kwargs):
    ours = answered(CSPMiddleware, **kwargs)
    assert ours == answered(DjangoCSPMiddleware, **kwargs)
    return ours


@pytest.mark.parametrize("path", ["/workbench/", "/api/v1/cases/"])
def test_pages_and_the_api_get_the_sites_policy(path):
    headers = same_as_django_csp(path=path)
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Content-Security-Policy-Report-Only"] is None


def test_a_changed_setting_is_followed():
    same_as_django_csp()
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/open/"]}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy,
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": ["'self'"]}},
    ):
        headers = same_as_django_csp()
        assert headers["Content-Security-Policy"] == "default-src 'none'"
        report_only = headers["Content-Security-Policy-Report-Only"].split("; ")
        assert sorted(report_only) == ["default-src 'self'", "img-src 'self'"]
        assert same_as_django_csp(path="/open/page/")["Content-Security-Policy"] is None
    assert "script-src 'self'" in same_as_django_csp()["Content-Security-Policy"]


def test_what_a_view_changes_is_django_csps_to_apply():
    updated = same_as_django_csp(_csp_update={"img-src": ["https://maps.example"]})
    assert "https://maps.example" in updated["Content-Security-Policy"]
    assert same_as_django_csp(_csp_exempt=True)["Content-Security-Policy"] is None
    replaced = same_as_django_csp(_csp_replace={"script-src": None})
    assert "script-src" not in replaced["Content-Security-Policy"]


def test_a_response_that_used_a_nonce_names_it():
    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}):
        assert "'nonce-" in answered(CSPMiddleware, use_nonce=True)["Content-Security-Policy"]
        assert "'nonce-" not in same_as_django_csp()["Content-Security-Policy"]


def test_the_site_uses_it():
    assert "core.middleware.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
