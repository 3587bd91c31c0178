"""Reference data that the law or the municipality's routines decide: never literals in code.

Each row has a validity period so that a change of law (SoL 2001:453 → SoL 2025:400 on
2025-07-01) or of a local routine is a new row, and old cases keep citing what applied
to them. Seeded from DOMAIN.md by a data migration and edited in the admin.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportType(models.TextChoices):
    DEVIATION = "deviation", _("Deviation (avvikelse)")
    COMPLAINT = "complaint", _("Complaint or feedback (klagomål/synpunkt)")
    LEX_SARAH = "lex_sarah", _("Lex Sarah")
    DATA_BREACH = "data_breach", _("Personal data breach (personuppgiftsincident)")
    LEX_MARIA = "lex_maria", _("Lex Maria (vårdskada)")


class ValidQuerySet(models.QuerySet):
    def valid_on(self, day=None):
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Validity(models.Model):
    valid_from = models.DateField(_("valid from"), default=datetime.date(2000, 1, 1))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity cannot come before its start.")})


class LegalReference(Validity):
    code = models.SlugField(_("code"), max_length=60)
    citation = models.CharField(_("citation"), max_length=200, help_text=_("e.g. 14 kap. 7 § SoL (2001:453)"))
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("source"), blank=True)

    class Meta:
        verbose_name = _("legal reference")
        verbose_name_plural = _("legal references")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="legalref_code_from_unique")
        ]

    def __str__(self):
        return self.citation


class Term(Validity):
    """One entry of a controlled vocabulary: categories, complaint kinds, sources, subjects.

    A term without a board is shared by every board (superusers keep those); a board's own term
    (its administrators keep those) is offered only on that board's cases, beside the shared
    ones. A code means one term for a case: a board's code may not repeat a shared one."""

    class Vocabulary(models.TextChoices):
        DEVIATION_CATEGORY = "deviation_category", _("Deviation category")
        LEX_SARAH_CATEGORY = "lex_sarah_category", _("Lex Sarah category")
        COMPLAINT_KIND = "complaint_kind", _("Complaint kind")
        COMPLAINT_SOURCE = "complaint_source", _("Complaint source")
        SUBJECT_AREA = "subject_area", _("Subject area")
        BREACH_DATA_CATEGORY = "breach_data_category", _("Category of personal data")
        LEX_MARIA_CATEGORY = "lex_maria_category", _("Lex Maria category")

    vocabulary = models.CharField(_("vocabulary"), max_length=30, choices=Vocabulary.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    board = models.ForeignKey(
        "cases.OrgUnit",
        verbose_name=_("board"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "namnd"},
        help_text=_(
            "Empty: shared by every board. A board's own term is offered only on that board's cases."
        ),
    )

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["vocabulary", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "code"],
                condition=Q(board__isnull=True),
                name="term_vocabulary_code_unique",
            ),
            models.UniqueConstraint(
                fields=["vocabulary", "code", "board"],
                condition=Q(board__isnull=False),
                name="term_board_vocabulary_code_unique",
            ),
        ]

    def __str__(self):
        return f"{self.parent} › {self.name}" if self.parent_id else self.name

    def clean(self):
        super().clean()
        if self.parent_id and self.parent.board_id not in (None, self.board_id):
            raise ValidationError(
                {"parent": _("A term can only be placed under a shared term or one of its own board.")}
            )
        if self.board_id and self.board.kind != "namnd":
            raise ValidationError({"board": _("Choose a board (nämnd).")})
        same_code = Term.objects.filter(vocabulary=self.vocabulary, code=self.code).exclude(pk=self.pk)
        clash = (
            same_code.filter(board__isnull=True) if self.board_id else same_code.filter(board__isnull=False)
        )
        if self.code and clash.exists():
            raise ValidationError(
                {"code": _("A shared term and a board's own term cannot have the same code.")}
            )


class DeadlineRule(Validity):
    """A clock: how long after which moment something must be done."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("calendar days")
        WORKING_DAYS = "working_days", _("working days")
        MONTHS = "months", _("months")

    report_type = models.CharField(_("report type"), max_length=20, choices=ReportType.choices, blank=True)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.CharField(
        _("starts at"), max_length=60, help_text=_("The moment the clock starts from.")
    )
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=15, choices=Unit.choices)
    warn_before_hours = models.JSONField(_("warnings (hours left)"), default=list, blank=True)
    escalate_after_hours = models.PositiveIntegerField(
        _("escalate after (hours overdue)"),
        default=24,
        help_text=_("How long a clock may be overdue before the managers above the unit are told."),
    )
    legal_reference = models.ForeignKey(LegalReference, null=True, blank=True, on_delete=models.PROTECT)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["report_type", "code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="deadline_code_from_unique")
        ]

    def __str__(self):
        return f"{self.name}: {self.amount} {self.get_unit_display()}"

    @classmethod
    def current(cls, code, day=None):
        return cls.objects.valid_on(day).filter(code=code).order_by("-valid_from").first()

    def due(self, start):
        """The deadline for a clock started at ``start`` (an aware datetime)."""
        from lib.clocks import add_duration

        return add_duration(start, self.amount, self.unit)


class RiskBand(Validity):
    """A risk level: a range of risk scores (probability × severity, 1–16)."""

    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    min_score = models.PositiveSmallIntegerField(_("lowest score"))
    max_score = models.PositiveSmallIntegerField(_("highest score"))
    suggests_serious = models.BooleanField(
        _("suggests a serious matter"),
        default=False,
        help_text=_("Decision support for lex Sarah: departing from it needs a written reason."),
    )

    class Meta:
        verbose_name = _("risk level")
        verbose_name_plural = _("risk levels")
        ordering = ["min_score"]

    def __str__(self):
        return f"{self.name} ({self.min_score}–{self.max_score})"

    @classmethod
    def for_score(cls, score, day=None):
        from cases.reference_cache import valid

        return next(
            (
                band
                for band in valid(cls, day or timezone.localdate())
                if band.min_score <= score <= band.max_score
            ),
            None,
        )


class RiskRoutingRule(Validity):
    """Decision support: a deviation at or above these values is suggested for another route."""

    min_score = models.PositiveSmallIntegerField(_("lowest score"))
    min_severity = models.PositiveSmallIntegerField(_("lowest severity"))
    route_to = models.CharField(_("suggested route"), max_length=20, choices=ReportType.choices)

    class Meta:
        verbose_name = _("risk routing rule")
        verbose_name_plural = _("risk routing rules")

    def __str__(self):
        return f"≥ {self.min_score} & severity ≥ {self.min_severity} → {self.get_route_to_display()}"

    @classmethod
    def suggested_route(cls, score, severity, day=None):
        from cases.reference_cache import valid

        rules = [
            rule
            for rule in valid(cls, day or timezone.localdate())
            if rule.min_score <= score and rule.min_severity <= severity
        ]
        rule = max(rules, key=lambda rule: rule.min_score, default=None)
        return rule.route_to if rule else ReportType.DEVIATION


class InvestigationTopic(Validity):
    """What an investigation must document, e.g. the points of SOSFS 2011:5 5 kap."""

    report_type = models.CharField(_("report type"), max_length=20, choices=ReportType.choices)
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    required_for_decision = models.BooleanField(_("required before the decision"), default=False)
    legal_reference = models.ForeignKey(LegalReference, null=True, blank=True, on_delete=models.PROTECT)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("investigation topic")
        verbose_name_plural = _("investigation topics")
        ordering = ["report_type", "order"]
        constraints = [models.UniqueConstraint(fields=["report_type", "code"], name="topic_type_code_unique")]

    def __str__(self):
        return self.name
