"""Carries the request id and the client address to the audit trail."""

import uuid

from cases.audit import request_context

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get(REQUEST_ID_HEADER, "")[:64] or uuid.uuid4().hex
        request.request_id = request_id  # the reference the 500 page shows (cases.web.errors)
        # REMOTE_ADDR only: a raw X-Forwarded-For is set by the client and proves nothing.
        # Behind a proxy, let the proxy set REMOTE_ADDR (e.g. gunicorn's forwarded_allow_ips).
        with request_context(request_id=request_id, ip=request.META.get("REMOTE_ADDR") or None):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
