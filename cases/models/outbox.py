"""The transactional outbox: every domain event is a row written in the transaction of the
change it tells about, so the event exists exactly when the change does.

``cases.outbox`` hands each row to the receivers of ``cases.events.case_event`` after the
commit (the fast path, in the same process) and again, until they succeed, from the scheduler
(``cases.outbox.dispatch_due``). A row holds ids, codes and times only, as the event's data
always has (docs/notifications.md, "Secrecy").
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.reports import Report


class OutboxEvent(models.Model):
    name = models.CharField(_("event"), max_length=80)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+", verbose_name=_("case"))
    # Who acted, as the receivers are told (no foreign key: the event outlives nothing it names).
    actor_id = models.BigIntegerField(_("actor"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When the dispatcher may take the row: a grace period after the commit (the fast path's
    # turn), then the next retry after each failure.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(delivered_at__isnull=True), name="outbox_pending_due"
            ),
        ]

    def __str__(self):
        return f"{self.name} #{self.pk}"
