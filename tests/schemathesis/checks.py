"""Schemathesis hooks for AI Tracker: the one check the fuzz run enforces.

Loaded through SCHEMATHESIS_HOOKS by run.sh. Schemathesis' own `not_a_server_error` also counts
every GraphQL error that has a `path` and no client-error code as a server error, so the codes
this service answers by design (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED)
would all be reported. This check reports what is a server error here instead:

- any 5xx status (the process failed, or a handler refused with INTERNAL), and 408 (a request
  that ran into the server's 30 s timeout);
- a GraphQL error coded INTERNAL (the service answers those with 200 and hides the detail);
- a GraphQL error without `extensions.code` (the README promises every error has one);
- a body that is not a GraphQL response (not JSON, or neither `data` nor `errors`).
"""

import json

import schemathesis


@schemathesis.check
def no_server_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.content[:300]!r}")
    # The service's own 30 s request timeout: a document it could not finish is a failure too.
    if response.status_code == 408:
        raise AssertionError("HTTP 408: the request ran into the server's request timeout")
    # 304, 405, 406, 413, 415 and the like carry no GraphQL body worth judging.
    if response.status_code not in (200, 400, 401):
        return None
    try:
        payload = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"HTTP {response.status_code} with a body that is not JSON: {response.content[:300]!r}")
    if not isinstance(payload, dict) or not ("data" in payload or "errors" in payload):
        raise AssertionError(f"not a GraphQL response: {response.content[:300]!r}")
    for error in payload.get("errors") or []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code is None:
            raise AssertionError(f"an error without extensions.code: {json.dumps(error)[:300]}")
        if code == "INTERNAL":
            raise AssertionError(f"INTERNAL error at {error.get('path')}: {error.get('message')}")
    return None
