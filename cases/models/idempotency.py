"""Idempotency keys of filings: the first answer to a request, kept so that a retry with the
same key gets that answer again instead of filing a second report (``cases.idempotency``).

The key itself is never stored: ``key_hash`` is the SHA-256 of the key with whose key it is
(the user, or the public form), so one user's key cannot answer another's request and a leaked
table gives no key away. The row is written in the filing's own transaction, and its unique
``key_hash`` decides between two retries that arrive at once.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.reports import Report


class IdempotencyKey(models.Model):
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The SHA-256 of the request (method, path and parsed body): the same key with another
    # request is refused.
    fingerprint = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    status_code = models.PositiveSmallIntegerField()
    location = models.CharField(max_length=500, blank=True)
    body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
