"""Schema post-processing: the API's one error format, documented on every operation.

Every view answers errors as {"error": {"code", "message", "fields"}} (integrations_core/api/
errors.py), always JSON (a ?format=csv request's too): 400 for bad input (query, body, or a
cursor that is not one we gave out: code `invalid_cursor`, field `cursor`), 401/403 without a
session, 404 for unknown ids, unknown routes and other people's objects, 413 for a body over
the size limit, 429 when throttled. drf-spectacular documents only
the success responses, so a client generated from the schema (or Schemathesis' status code check)
would not know them. Statuses particular to one operation (409, 503) are declared on the view."""

from __future__ import annotations

ERROR_COMPONENT = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["code", "message", "fields"],
        },
    },
    "required": ["error"],
}
COMMON_ERRORS = {
    "400": "The request is not valid; `error.fields` says which input and why.",
    "401": "Not signed in.",
    "403": "Not signed in, or not allowed.",
    "404": "Not found. Another person's objects are not found either.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}
BODY_ERRORS = {"413": "The request body is too large."}
METHODS = ("get", "post", "put", "patch", "delete")


def postprocess_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_COMPONENT)
    ref = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = {**COMMON_ERRORS, **(BODY_ERRORS if "requestBody" in operation else {})}
            for status, description in errors.items():
                responses.setdefault(status, {"description": description,
                                              "content": {"application/json": {"schema": ref}}})
    return result
