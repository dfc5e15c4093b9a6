"""How /api/ answers an error, and how its schema says so.

Every endpoint can meet the same few refusals, whoever wrote it: no or a bad token (401), too
many requests (429), a write refused (403: not the caller's to change, or a browser session
without its CSRF token), something out of reach or a page past the end (404), input that does
not validate (400); a write of time into an approved week answers 409. The schema hook below
documents them on every operation that can meet them and has not documented them itself, so
/api/schema/ lists every status a script may see
(schemathesis checks that in config/tests/test_api_schemathesis.py).
"""

from django.http import JsonResponse
from django.views import defaults

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", ...]}, "non_field_errors" for the whole input; a nested field's errors
# nest the same way, and a few views answer a single message for a field (a header).
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {}},
            {"type": "string"},
            {"type": "object"},
        ],
    },
}

UNSAFE_METHODS = {"post", "put", "patch", "delete"}
# Writes of time, which an approved week refuses with 409 (tracker.approvals.WeekLocked).
TIME_WRITING_PATHS = ("/api/v1/time-entries/", "/api/v1/activities/", "/api/v1/timer/")


def _error(description: str, component: str, headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def document_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorDetail", DETAIL)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in UNSAFE_METHODS | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            parameters = operation.get("parameters", [])
            places = {parameter["in"] for parameter in parameters}
            for parameter in parameters:
                # As on the pages, an empty filter (`?team=`) is no filter, not a bad value.
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter.setdefault("allowEmptyValue", True)
            common = {
                "429": _error(
                    "Too many requests (docs/api.md \"Limits\").", "ErrorDetail",
                    headers={"Retry-After": {
                        "schema": {"type": "integer"}, "required": True,
                        "description": "Seconds to wait before trying again.",
                    }},
                ),
            }
            if {} not in operation.get("security", [{}]):  # `{}`: anonymous may call it
                common["401"] = _error("No, a revoked or an expired token.", "ErrorDetail")
            if "requestBody" in operation or "query" in places:
                common["400"] = _error("Invalid input; nothing was written.", "FieldErrors")
            if method in UNSAFE_METHODS:
                common["403"] = _error("Not yours to change (or a session without CSRF).",
                                       "ErrorDetail")
            if method in UNSAFE_METHODS and path.startswith(TIME_WRITING_PATHS):
                common["409"] = _error(
                    "The week is approved: the message names it and who approved it.",
                    "ErrorDetail",
                )
            if "path" in places or "query" in places:
                common["404"] = _error("Out of your reach, or no such page.", "ErrorDetail")
            for status, response in common.items():
                responses.setdefault(status, response)
    return result


def not_found(request, exception):
    """handler404: under /api/ a JSON 404 like DRF's (a path that matches no endpoint, such
    as /api/v1/time-entries/abc/), elsewhere the app's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
