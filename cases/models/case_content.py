"""What a case holds besides its own fields: persons, attachments, investigation, causes,
actions, information events. Rows that are part of the legal record are append-only."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models.reference import InvestigationTopic
from cases.models.reports import Report


class AppendOnlyError(Exception):
    pass


class AffectedPerson(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("name"), max_length=200, blank=True)
    personnummer = models.CharField(_("personal identity number"), max_length=13, blank=True)
    protected_identity = models.BooleanField(
        _("protected identity (skyddade personuppgifter)"),
        default=False,
    )
    role = models.CharField(_("how the person is concerned"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("affected person")
        verbose_name_plural = _("affected persons")
        ordering = ["id"]


def attachment_path(instance, filename):
    # Never the user's file name on disk: it may itself be personal data.
    return f"attachments/{instance.report_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    # None: sent with the public form, by someone without an account.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]


class InvestigationEntry(models.Model):
    """One documented item (SOSFS 2011:5 5 kap.): date, source, fact or assessment, author.

    Immutable once saved; a correction is a new entry pointing at the one it corrects.
    """

    class Nature(models.TextChoices):
        FACT = "fact", _("Fact")
        ASSESSMENT = "assessment", _("Assessment")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="investigation_entries")
    topic = models.ForeignKey(
        InvestigationTopic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT
    )
    text = models.TextField(_("text"))
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=300)
    nature = models.CharField(_("fact or assessment"), max_length=10, choices=Nature.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(_("author"), max_length=200, editable=False)
    author_title = models.CharField(_("author's title"), max_length=120, editable=False)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("investigation entry")
        verbose_name_plural = _("investigation entries")
        ordering = ["id"]

    def __str__(self):
        """As the entry is picked (the entry a new one corrects): its date, topic and opening words."""
        opening = self.text if len(self.text) <= 60 else self.text[:59].rstrip() + "…"
        topic = f" · {self.topic.name}" if self.topic_id else ""
        return f"{date_format(self.entry_date, 'SHORT_DATE_FORMAT')}{topic} · {opening}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Investigation entries are immutable; add a correcting entry instead.")
        super().save(*args, **kwargs)


class InformationEvent(models.Model):
    """The affected person informed and heard: when, how, by whom, and their view."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="information_events")
    person = models.ForeignKey(
        AffectedPerson, verbose_name=_("person"), on_delete=models.PROTECT, related_name="information_events"
    )
    informed_at = models.DateTimeField(_("informed at"))
    channel = models.CharField(_("how"), max_length=120)
    informed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person_view = models.TextField(_("the person's view"), blank=True)
    journal_note_recorded = models.BooleanField(_("journal note recorded"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("information event")
        verbose_name_plural = _("information events")
        ordering = ["informed_at", "id"]


class Cause(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="causes")
    description = models.TextField(_("cause"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["id"]

    def __str__(self):
        return self.description[:80]


class Action(models.Model):
    class Kind(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediate (omedelbar)")
        CORRECTIVE = "corrective", _("Corrective (korrigerande)")
        PREVENTIVE = "preventive", _("Preventive (förebyggande)")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started (ej påbörjad)")
        IN_PROGRESS = "in_progress", _("In progress (pågående)")
        DONE = "done", _("Done (genomförd)")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("action"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    causes = models.ManyToManyField(
        Cause, verbose_name=_("causes addressed"), blank=True, related_name="actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_actions",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    effect_follow_up = models.TextField(_("follow-up of the effect"), blank=True)
    effect_evaluated_at = models.DateTimeField(_("effect evaluated at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.description[:80]

    @property
    def is_settled(self):
        """Done and its effect followed up: what closing a case asks of every action."""
        return self.status == self.Status.DONE and bool(self.effect_follow_up)
