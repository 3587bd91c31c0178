"""Carries the request id and the client address to the audit trail."""

import uuid

from django.conf import settings
from ipware.ip import get_client_ip

from cases.audit import request_context


def client_address(request):
    """The client's address, as the audit trail, the rate limits and the sign-in lockout
    (AXES_CLIENT_IP_CALLABLE) all see it: REMOTE_ADDR, or behind a reverse proxy the header it
    sets (CLIENT_IP_HEADERS, read by django-ipware; docs/operations.md). Never a raw
    X-Forwarded-For, which the client writes."""
    if settings.CLIENT_IP_HEADERS == ["REMOTE_ADDR"]:
        # As the server set it; django-ipware would cost a tenth of a millisecond per request.
        return request.META.get("REMOTE_ADDR") or None
    address, _routable = get_client_ip(
        request, proxy_count=settings.CLIENT_IP_PROXY_COUNT, request_header_order=settings.CLIENT_IP_HEADERS
    )
    return address


REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get(REQUEST_ID_HEADER, "")[:64] or uuid.uuid4().hex
        request.request_id = request_id  # the reference the 500 page shows (cases.web.errors)
        with request_context(request_id=request_id, ip=client_address(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
