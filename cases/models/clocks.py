"""Legal clocks of a case, stored with the case.

A clock is started from one of the case's own moments (``discovered_at``, the registration,
the decision that a lex Sarah matter is serious, ...) under the ``DeadlineRule`` valid at that
moment, so a later change of the rule does not move a deadline already running. It stops when
the thing it measures is done. Every warning, overdue notice and escalation is a ``ClockEvent``
row whose uniqueness makes firing idempotent: the scheduler may run twice, the event exists once.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.reference import DeadlineRule, LegalReference
from cases.models.reports import Report


class CaseClock(models.Model):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="clocks", verbose_name=_("case")
    )
    rule = models.ForeignKey(
        DeadlineRule, on_delete=models.PROTECT, related_name="+", verbose_name=_("deadline rule")
    )
    code = models.SlugField(_("code"), max_length=60, help_text=_("The rule's code, kept for queries."))
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    stopped_at = models.DateTimeField(
        _("stopped at"), null=True, blank=True, help_text=_("When what the clock measures was done.")
    )

    class Meta:
        verbose_name = _("clock")
        verbose_name_plural = _("clocks")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "code"],
                condition=Q(stopped_at__isnull=True),
                name="clock_one_running_per_code",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(stopped_at__isnull=True), name="clock_running_due")
        ]

    def __str__(self):
        return f"{self.code} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self):
        return self.stopped_at is None

    def is_overdue(self, now=None):
        """Past due and not stopped, or stopped after the deadline (late)."""
        end = self.stopped_at or now or timezone.now()
        return end > self.due_at


def with_legal_references(clocks):
    """``clocks`` as a list, each with ``legal_reference``: the version of its rule's legal
    reference in force on the day the clock started (a lex Sarah clock of 2024 cites SoL
    2001:453, one of 2026 SoL 2025:400). One query for all of them."""
    clocks = list(clocks)
    codes = {clock.rule.legal_reference.code for clock in clocks if clock.rule.legal_reference_id}
    versions = list(LegalReference.objects.filter(code__in=codes).order_by("-valid_from")) if codes else []
    for clock in clocks:
        clock.legal_reference = None
        if not clock.rule.legal_reference_id:
            continue
        day = timezone.localtime(clock.started_at).date()
        code = clock.rule.legal_reference.code
        clock.legal_reference = next(
            (
                v
                for v in versions
                if v.code == code and v.valid_from <= day and (v.valid_to is None or day <= v.valid_to)
            ),
            clock.rule.legal_reference,
        )
    return clocks


class ClockEvent(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", _("warning")
        OVERDUE = "overdue", _("overdue")
        ESCALATED = "escalated", _("escalated")

    clock = models.ForeignKey(CaseClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.PositiveIntegerField(
        _("level"), default=0, help_text=_("Hours left for a warning; 0 for other kinds.")
    )
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")
        constraints = [models.UniqueConstraint(fields=["clock", "kind", "level"], name="clock_event_once")]


class ActionReminder(models.Model):
    """A reminder about an action's own due date, sent once per kind and due date: moving the
    due date gives the owner new reminders for the new date."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due soon")
        OVERDUE = "overdue", _("overdue")

    action = models.ForeignKey("cases.Action", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    due_date = models.DateField(_("due date"))
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)

    class Meta:
        verbose_name = _("action reminder")
        verbose_name_plural = _("action reminders")
        constraints = [
            models.UniqueConstraint(fields=["action", "kind", "due_date"], name="action_reminder_once")
        ]
