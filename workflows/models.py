"""Where each case stands in its workflow, who stands in for whom, and which tasks were escalated.

``CaseProcess`` is viewflow's process, made concrete with a real one-to-one to the case, so
that tasks are scoped to a user's units in SQL (``task → process → report → unit``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task


class CaseProcess(Process):
    report = models.OneToOneField(
        "cases.Report", on_delete=models.PROTECT, related_name="workflow", verbose_name=_("case")
    )

    class Meta:
        verbose_name = _("case workflow")
        verbose_name_plural = _("case workflows")

    def __str__(self):
        return str(self.report_id)


class SubstituteQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)


class Substitute(models.Model):
    """An ersättare: during ``starts_at``–``ends_at`` the person's tasks reach the substitute."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="substitutions",
        verbose_name=_("absent person"),
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="substituting_for",
        verbose_name=_("substitute"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubstituteQuerySet.as_manager()

    class Meta:
        verbose_name = _("substitute")
        verbose_name_plural = _("substitutes")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="substitute_period_valid"
            ),
            models.CheckConstraint(condition=~Q(person=models.F("substitute")), name="substitute_not_self"),
        ]
        indexes = [models.Index(fields=["substitute", "starts_at", "ends_at"])]

    def __str__(self):
        return f"{self.substitute} ↔ {self.person}"

    def clean(self):
        if self.person_id and self.person_id == self.substitute_id:
            raise ValidationError({"substitute": _("A person cannot be their own substitute.")})
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


class TaskEscalation(models.Model):
    """A task escalated once per reason: the row's uniqueness makes the job idempotent."""

    class Reason(models.TextChoices):
        UNCLAIMED = "unclaimed", _("unclaimed")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    escalated_at = models.DateTimeField(_("escalated at"), default=timezone.now)
    user_ids = models.JSONField(_("escalated to"), default=list)

    class Meta:
        verbose_name = _("task escalation")
        verbose_name_plural = _("task escalations")
        constraints = [models.UniqueConstraint(fields=["task", "reason"], name="task_escalation_once")]


class StepClock(models.Model):
    """Which clock codes give a step its deadline: a copy of the flows' ``Step.clocks``, kept in
    the database so that a task list can sort by deadline with one small subquery. Rewritten
    from the flows after every ``migrate`` (``workflows.apps``); not edited by hand."""

    flow_task = models.CharField(max_length=255)
    code = models.SlugField(max_length=60)

    class Meta:
        verbose_name = _("step clock")
        verbose_name_plural = _("step clocks")
        constraints = [models.UniqueConstraint(fields=["flow_task", "code"], name="step_clock_unique")]


def sync_step_clocks(**kwargs):
    """Make ``StepClock`` what the flows say; returns whether anything changed."""
    from viewflow.workflow.models import Task

    from workflows.flows import steps

    field = Task._meta.get_field("flow_task")
    wanted = {(str(field.get_prep_value(node)), code) for node in steps() for code in node.clocks}
    present = set(StepClock.objects.values_list("flow_task", "code"))
    if wanted == present:
        return False
    StepClock.objects.exclude(
        pk__in=[
            pk
            for pk, ft, code in StepClock.objects.values_list("pk", "flow_task", "code")
            if (ft, code) in wanted
        ]
    ).delete()
    StepClock.objects.bulk_create([StepClock(flow_task=ft, code=code) for ft, code in wanted - present])
    return True
