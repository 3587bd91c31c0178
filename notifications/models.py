"""Who hears what, as data: rules an administrator edits, the notifications they produce, and
the e-mail deliveries that carry them.

A rule matches a domain event (``cases.events.case_event``) by name and, optionally, report
type, and names its recipients. Every notification holds ids, codes and the case number only:
the e-mails and the in-app centre never carry names, personnummer or descriptions.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import OrgUnit, Report, ReportType, Role
from cases.models.reference import Validity


class Kind(models.TextChoices):
    """What a user chooses immediate or daily delivery for."""

    NEW_REPORT = "new_report", _("New reports")
    NEW_BREACH = "new_breach", _("New personal data breaches")
    TASK = "task", _("Tasks assigned or escalated to me")
    CLOCK = "clock", _("Deadlines: warnings, overdue and escalations")
    DECISION = "decision", _("Status of my reports")
    ACTION = "action", _("Actions I own")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly summary of my units' open items")
    COMPLAINT = "complaint", _("Replies to complaints")


class Language(models.TextChoices):
    SV = "sv", _("Swedish")
    EN = "en", _("English")


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("At once")
    DAILY = "daily", _("In a daily summary")
    OFF = "off", _("Not by e-mail")


class NotificationRule(Validity):
    """An event (and optionally a report type) → recipients, channels, and whether a legal
    clock depends on it (then no recipient can switch it off)."""

    event = models.CharField(
        _("event"),
        max_length=80,
        db_index=True,
        help_text=_("A domain event name, e.g. report.filed, clock.warning, task.assigned."),
    )
    report_type = models.CharField(
        _("report type"),
        max_length=20,
        choices=ReportType.choices,
        blank=True,
        help_text=_("Empty: every type."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    by_email = models.BooleanField(_("by e-mail"), default=True)
    in_app = models.BooleanField(_("in the app"), default=True)
    legal_clock = models.BooleanField(
        _("tied to a legal clock"),
        default=False,
        help_text=_("Recipients cannot switch these notifications off."),
    )
    deadline_code = models.SlugField(
        _("deadline stated"),
        max_length=60,
        blank=True,
        help_text=_(
            "The code of a deadline rule whose due time the message states, e.g. breach-imy-notification."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["event", "report_type", "id"]

    def __str__(self):
        return f"{self.event} {self.get_report_type_display() if self.report_type else ''}".strip()


class RuleRecipient(models.Model):
    """One kind of recipient of a rule."""

    class Who(models.TextChoices):
        ROLE = "role", _("A role on the case's unit or above")
        PARENT_ROLE = "parent_role", _("A role on the parent of the case's unit or above")
        POSITION = "position", _("A named position of the case's board (e.g. the chair)")
        USER = "user", _("A named user")
        EVENT_USERS = "event_users", _("The users the event names (assignee, owner)")
        REPORTER = "reporter", _("The reporter")
        SUBMITTER = "submitter", _("The complaint's submitter, if they left an e-mail address")
        ACTION_OWNER = "action_owner", _("The owner of the action")
        STEP_HOLDERS = (
            "step_holders",
            _("Those who may take the step that waits (its roles on the case's unit)"),
        )

    rule = models.ForeignKey(NotificationRule, on_delete=models.CASCADE, related_name="recipients")
    who = models.CharField(_("recipient"), max_length=20, choices=Who.choices)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    position = models.CharField(
        _("position"),
        max_length=30,
        blank=True,
        help_text=_("The code of a position, e.g. namnd_chair or social_chief."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")

    def __str__(self):
        detail = self.get_role_display() if self.role else self.position or (self.user or "")
        return f"{self.get_who_display()} {detail}".strip()

    def clean(self):
        needs = {
            self.Who.ROLE: "role",
            self.Who.PARENT_ROLE: "role",
            self.Who.POSITION: "position",
            self.Who.USER: "user",
        }.get(self.who)
        if needs and not getattr(self, needs if needs != "user" else "user_id"):
            raise ValidationError({needs: _("This kind of recipient needs this field.")})


class Position(models.Model):
    """Who holds a named position on a board, as the municipality's routine says, e.g. the
    nämnd chair and the socialchef, who hear of every new lex Sarah report."""

    code = models.SlugField(_("code"), max_length=30, help_text=_("e.g. namnd_chair, social_chief"))
    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The board (or any node) whose cases the position hears of."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [models.UniqueConstraint(fields=["code", "unit", "user"], name="position_unique")]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class RecipientSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    language = models.CharField(
        _("language of e-mails"), max_length=5, choices=Language.choices, default=Language.SV
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mode = models.CharField(_("e-mail"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_user_kind_unique")]


class Notification(models.Model):
    """One event for one recipient: a user (in-app and e-mail) or an outside address."""

    key = models.CharField(max_length=120, unique=True, editable=False)
    rule = models.ForeignKey(NotificationRule, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    event = models.CharField(_("event"), max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.EmailField(_("address"), blank=True)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    case_number = models.CharField(_("case number"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    in_app = models.BooleanField(default=True)
    digest = models.BooleanField(default=False, help_text=_("Waiting for the daily summary."))
    digested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.case_number} {self.event}"


def new_message_id():
    """A Message-ID of its own for each delivery, chosen once when the row is written: every
    attempt to send the delivery carries the same one, so a copy sent again after a worker was
    lost is recognisable as the same message. Random, so it says nothing about the case."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


class Delivery(models.Model):
    """One e-mail, sent at most once: the key is unique and a worker claims the row with a
    conditional update before it talks to the SMTP server. A row left "being sent" by a lost
    worker is queued again after ``NOTIFICATION_SENDING_LEASE`` (``jobs.recover_deliveries``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        RETRY = "retry", _("waiting to retry")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        WITHHELD = "withheld", _("withheld: the recipient may no longer see the case")

    key = models.CharField(max_length=120, unique=True, editable=False)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    template = models.CharField(max_length=30, default="message")
    payload = models.JSONField(default=dict, blank=True)
    address = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=5, default=Language.SV)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    permanent_failure = models.BooleanField(_("address refused"), default=False)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(
        _("Message-ID"), max_length=200, unique=True, default=new_message_id, editable=False
    )
    lease_requeues = models.PositiveSmallIntegerField(
        _("queued again after a lost worker"),
        default=0,
        help_text=_(
            "How often the delivery was left being sent by a worker that stopped, and was queued again."
        ),
    )

    class Meta:
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.key


class FailedAddress(models.Model):
    """An address the mail server refused permanently (5xx); shown to administrators, and
    no more mail is sent to it until an administrator removes the row."""

    address = models.EmailField(_("address"), unique=True)
    code = models.PositiveSmallIntegerField(_("SMTP code"))
    error = models.CharField(_("error"), max_length=300)
    failed_at = models.DateTimeField(_("failed at"), auto_now=True)

    class Meta:
        verbose_name = _("refused address")
        verbose_name_plural = _("refused addresses")
        ordering = ["-failed_at"]

    def __str__(self):
        return self.address
