"""The OpenAPI schema's shared parts: error bodies and the ``Idempotency-Key`` header.

Every API operation answers errors the same way (``errors.exception_handler``), so they are
documented in one place rather than on each view: ``CaseHubAutoSchema`` adds the error
responses an operation can give (400/401/403/404/409/415/422, each with its body shape) unless
the view documents that status itself, and the ``Idempotency-Key`` header on authenticated
POSTs (``idempotency.idempotent``). A view that gives an error this module cannot infer
declares it with a description only, ``404: OpenApiResponse(description=…)``, and gets the
shared body shape.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

from core.api.idempotency import HEADER as IDEMPOTENCY_HEADER

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "Not authenticated, not permitted, not found or not acceptable.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "A stable name for the refusal."},
        },
        "required": ["detail"],
        "example": {"detail": "Not found."},
    },
    "ValidationError": {
        "type": "object",
        "description": (
            "Invalid input: each key names a field (`non_field_errors` for the whole body) "
            "and holds its messages; nested objects hold their own fields' errors."
        ),
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {}},
                {"type": "object", "additionalProperties": {}},
                {"type": "string"},
            ]
        },
        "example": {"title": ["This field is required."], "priority": ['"P9" is not valid.']},
    },
    "TransitionConflict": {
        "type": "object",
        "description": (
            "The transition cannot fire from the current state, or a concurrent change won "
            "the race; `allowed` lists the transitions the caller may fire now."
        ),
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "allowed": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["detail", "code", "allowed"],
        "example": {
            "detail": "Cannot close a case that is investigating.",
            "code": "transition_not_allowed",
            "allowed": ["resolve", "cancel"],
        },
    },
    "RuleRefusal": {
        "type": "object",
        "description": (
            "Refused by a business rule; `code` names the rule and the rule adds its own "
            "fields (a cap adds `cap`, `limit`, `remaining`, `currency`)."
        ),
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail", "code"],
        "additionalProperties": {},
        "example": {
            "detail": "A resolution summary is required to resolve.",
            "code": "resolution_required",
        },
    },
}

ERROR_RESPONSES = {
    "400": ("ValidationError", "Invalid input; the body names each field and its problem."),
    "401": ("Error", "Not authenticated (or the token is not valid)."),
    "403": ("Error", "Your role may not do this."),
    "404": ("Error", "Not found, or not visible to you."),
    "409": ("TransitionConflict", "Not allowed from the current state, or lost a race."),
    "415": ("Error", "The body's media type is not one the operation reads (send JSON)."),
    "422": ("RuleRefusal", "Refused by a business rule; `code` says which."),
    "429": ("Error", "Too many failed attempts; try again after `Retry-After` seconds."),
}


class CaseHubAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error responses and headers every view shares."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p.get("in") == "query"}
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        anonymous = self._allows_anonymous()
        codes = ["401"]
        if writes or query:  # a NUL character in any query parameter is a 400
            codes.append("400")
        if "requestBody" in operation:
            codes.append("415")
        if not anonymous:
            codes.append("403")
        if any(p.get("in") == "path" for p in parameters) or "page" in query:
            codes.append("404")
        if self.method in getattr(self.view, "throttled_methods", ()):
            codes.append("429")
        if writes and not anonymous:
            codes += ["409", "422"]
            operation["parameters"] = [*parameters, self._idempotency_parameter()]
        responses = operation.setdefault("responses", {})
        for code in codes:
            responses.setdefault(code, {"description": ERROR_RESPONSES[code][1]})
        for code, response in responses.items():
            if code in ERROR_RESPONSES and "content" not in response:
                schema = self._error_ref(ERROR_RESPONSES[code][0])
                response["content"] = {"application/json": {"schema": schema}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _allows_anonymous(self) -> bool:
        permissions = self.view.get_permissions()
        return not permissions or all(isinstance(p, AllowAny) for p in permissions)

    def _error_ref(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=ERROR_SCHEMAS[name]
        )
        self.registry.register_on_missing(component)
        return component.ref

    @staticmethod
    def _idempotency_parameter() -> dict:
        return {
            "in": "header",
            "name": IDEMPOTENCY_HEADER,
            "required": False,
            "description": (
                "Any unique string (at most 255 characters): a retry with the same key gets "
                "the first response and creates nothing twice."
            ),
            "schema": {"type": "string", "maxLength": 255},
        }
