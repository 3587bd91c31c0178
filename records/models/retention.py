"""Retention rules (gallringsregler) as data: per board, case type and outcome, with the
document-management plan's reference (basis) and validity dates.

A rule either disposes of the case's content a number of years after the case closed, or keeps
it (bevaras). The rule in force on the day of the gallring run applies; a rule for the case's
outcome (notified to the regulator or not) goes before the board's rule for the type as a whole.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit, ReportType


class RetentionRule(models.Model):
    class Outcome(models.TextChoices):
        ANY = "", _("Any outcome")
        NOTIFIED = "notified", _("Notified to the regulator (IVO or IMY)")
        NOT_NOTIFIED = "not_notified", _("Not notified to the regulator")

    class Disposition(models.TextChoices):
        DISPOSE = "dispose", _("Dispose of (gallras)")
        KEEP = "keep", _("Keep (bevaras)")

    board = models.ForeignKey(
        OrgUnit,
        verbose_name=_("board"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": OrgUnit.Kind.BOARD},
    )
    report_type = models.CharField(_("case type"), max_length=20, choices=ReportType.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    disposition = models.CharField(_("disposition"), max_length=10, choices=Disposition.choices)
    years = models.PositiveSmallIntegerField(
        _("years after closure"),
        null=True,
        blank=True,
        help_text=_("How many years after the case was closed its content is disposed of."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=300,
        help_text=_("The reference in the board's document-management plan (dokumenthanteringsplan)."),
    )
    package_before_disposal = models.BooleanField(
        _("archival package before disposal"),
        default=False,
        help_text=_(
            "Make an archival package of each case (for the e-archive) before its content is destroyed."
        ),
    )
    is_example = models.BooleanField(
        _("example value"),
        default=False,
        help_text=_("Seeded as a typical value; replace it with the board's own decision."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["board", "report_type", "outcome", "-valid_from"]

    def __str__(self):
        if self.disposition == self.Disposition.KEEP:
            what = _("keep")
        else:
            what = _("dispose after %(years)s years") % {"years": self.years}
        outcome = f" ({self.get_outcome_display()})" if self.outcome else ""
        return f"{self.board}: {self.get_report_type_display()}{outcome}: {what}"

    def clean(self):
        errors = {}
        if self.disposition == self.Disposition.DISPOSE and self.years is None:
            errors["years"] = _("A rule that disposes of cases says after how many years.")
        if self.disposition == self.Disposition.KEEP and self.years is not None:
            errors["years"] = _("A rule that keeps cases has no number of years.")
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The rule cannot end before it starts.")
        if self.board_id and self.board.kind != OrgUnit.Kind.BOARD:
            errors["board"] = _("Retention rules belong to a board.")
        if errors:
            raise ValidationError(errors)

    def in_force(self, day):
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
