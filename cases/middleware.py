"""Carries the request id and the client address to the audit trail."""

import uuid

from axes.helpers import get_client_ip_address

from cases.audit import request_context

REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get(REQUEST_ID_HEADER, "")[:64] or uuid.uuid4().hex
        # The address the sign-in lockout and the rate limits see: REMOTE_ADDR, or the header
        # the deployment's proxy sets (CLIENT_IP_HEADERS, docs/operations.md); never a raw
        # X-Forwarded-For, which the client writes.
        with request_context(request_id=request_id, ip=get_client_ip_address(request) or None):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
