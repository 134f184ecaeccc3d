"""The API document's shared pieces: the one bearer security declaration and the error responses.

Every error the service answers has one shape, `ErrorOut` (CONTRACT §3). Rather than each view listing
the statuses its guards and converters can produce, one apispec plugin adds them to every operation
from what the operation already declares: a security requirement may answer 401 (and 403 for a bearer
token of the wrong kind or role), a path parameter 404, a JSON body 400, any input 422. Views still
list their domain errors (409 `already_bound`, …) with `alt_response`; `default` covers the rest
(405, 413, 429, 503), so a generated client can parse every error the service sends.
"""
from __future__ import annotations

from apispec import BasePlugin

SECURED = {"security": [{"bearer": []}]}

_JSON = "application/json"


class ErrorResponses(BasePlugin):
    """Document the errors every guarded, parameterised or input-taking operation may answer."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            statuses = set()
            security = {name for requirement in operation.get("security", []) for name in requirement}
            if security:
                statuses.add(401)
            if "bearer" in security:
                statuses.add(403)
            if "{" in (path or ""):
                statuses.add(404)
            body = operation.get("requestBody", {}).get("content", {})
            if _JSON in body:
                statuses.add(400)
            if body or any(p.get("in") == "query" for p in operation.get("parameters", [])
                           if isinstance(p, dict)):
                statuses.add(422)
            for status in statuses - {int(code) for code in responses if str(code).isdigit()}:
                responses[status] = _NAMES[status]


_NAMES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 422: "UNPROCESSABLE_ENTITY"}
