"""A filing made once, however often it is sent: idempotency keys (docs/api.md).

A client sends a key of its choosing with a filing (the API's ``Idempotency-Key`` header; the
web forms' hidden one-time ``idempotency_key``). The first request files the report and, in the
same transaction, stores its answer under the key; a retry with the key gets that answer again
and files nothing. Two retries at the same time cannot both file: the key's row is unique, so
the second one's INSERT waits for the first's transaction and then fails, its own filing is
rolled back, and it answers with the first one's answer. The same key with another request is
refused (``KeyReused``). Keys are kept ``IDEMPOTENCY_KEY_HOURS`` hours, then removed by the
scheduler job ``prune_expired``.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cases.models import IdempotencyKey
from cases.services.exceptions import KeyReused

MAX_LENGTH = 255


@dataclass
class Answer:
    status_code: int
    location: str = ""
    body: object = None
    report_id: int | None = None


def checked(key):
    """The key as given, or None when there is none; 1–255 visible ASCII characters."""
    if key is None or key == "":
        return None
    if len(key) > MAX_LENGTH or not all("!" <= c <= "~" for c in key):
        raise ValidationError(
            _("An idempotency key is 1 to 255 visible ASCII characters (a UUID is a good choice)."),
            code="idempotency_key",
        )
    return key


def fingerprint(method, path, data, files=None):
    """The request's digest: method, path and the parsed body, in an order of its own, so that the
    same fields in another order are the same request. Files count by name and size."""
    if hasattr(data, "lists"):
        data = {name: values for name, values in data.lists()}
    uploads = (
        sorted((name, f.name, f.size) for name, items in (files or {}).lists() for f in items)
        if files
        else []
    )
    text = json.dumps([method, path, data, uploads], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(user, key):
    owner = f"user:{user.pk}" if user is not None else "public"
    return hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()


def earlier(user, key, request_fingerprint):
    """The answer stored under the key, or None; ``KeyReused`` when it answered another request."""
    row = IdempotencyKey.objects.select_related("report").filter(key_hash=_digest(user, key)).first()
    if row is None:
        return None
    if row.fingerprint != request_fingerprint:
        raise KeyReused(row.report)
    return Answer(row.status_code, row.location, row.body, row.report_id)


def once(user, key, request_fingerprint, file):
    """``file()`` files and returns an ``Answer``; with a key, only the first time.
    Returns the answer and whether it is a replay of an earlier one."""
    if key is None:
        return file(), False
    answer = earlier(user, key, request_fingerprint)
    if answer is not None:
        return answer, True
    try:
        with transaction.atomic():
            answer = file()
            IdempotencyKey.objects.create(
                key_hash=_digest(user, key),
                user=user,
                fingerprint=request_fingerprint,
                report_id=answer.report_id,
                status_code=answer.status_code,
                location=answer.location,
                body=answer.body,
            )
    except IntegrityError:
        # Another request with this key committed while this one was filing: its filing counts.
        answer = earlier(user, key, request_fingerprint)
        if answer is None:
            raise
        return answer, True
    return answer, False


def prune_expired(now):
    """Scheduler job: keys older than ``IDEMPOTENCY_KEY_HOURS`` are deleted; how many."""
    cutoff = now - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
