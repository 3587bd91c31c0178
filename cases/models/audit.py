"""The append-only, HMAC-chained audit trail of every change and every read of a case.

Two chains share the table: ``change`` for state changes, ``access`` for reads, so that
heavy read traffic does not serialise with writes. Database triggers (migration 0002)
refuse UPDATE and DELETE; ``verify_audit`` recomputes every HMAC. Each chain's last row is
named by its sealed head (``AuditHead``), so that rows cut off the end are missed too.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Chain(models.TextChoices):
        CHANGE = "change", _("Change")
        ACCESS = "access", _("Access")

    chain = models.CharField(max_length=10, choices=Chain.choices)
    seq = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    report_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]


class AuditHead(models.Model):
    """The newest row of one chain, overwritten by every append in the append's transaction and
    sealed with the audit key (``cases.audit``): cutting rows off the end of the chain needs a
    head naming an earlier row, and only the key can seal one. The database triggers of
    migration 0013 let the row only move forward (refusing DELETE and an UPDATE that does not
    raise ``seq``)."""

    chain = models.CharField(max_length=10, choices=AuditEvent.Chain.choices, primary_key=True)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    seal = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")
