"""Structured logs: one JSON object per line (python-json-logger), each carrying the id of the
request it belongs to, the same id the audit trail records (``cases.middleware``,
``AuditEvent.request_id``) and the answer's ``X-Request-ID`` header, so a log line, an audit
row and a user's error reference can be matched. ``LOG_FORMAT=text`` keeps plain lines."""

import logging

from pythonjsonlogger.json import JsonFormatter


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (empty outside a request) to every record: the request's context
    while it is answered, or the request the record names (``django.request`` logs an error
    answer after the middleware, ``cases.middleware`` included, has returned)."""

    def filter(self, record):
        from cases.audit import current_request_id

        request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(request, "request_id", "")
        return True


class Formatter(JsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)
