"""What passes between a case's handler and the people outside it: the receipt code of a
public submission, the handler's follow-up questions and the submitter's answers, and the
feedback a handler chooses to give the reporter of a case.

The receipt code itself is never stored, only its SHA-256: the code is 80 random bits, so
an unsalted digest cannot be reversed by guessing, and a leaked table gives no access.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.reports import Report


class ReceiptCode(models.Model):
    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="receipt")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("receipt code")
        verbose_name_plural = _("receipt codes")


class CaseMessage(models.Model):
    class Kind(models.TextChoices):
        QUESTION = "question", _("Question to the submitter")
        ANSWER = "answer", _("Answer from the submitter")
        FEEDBACK = "feedback", _("Feedback to the reporter")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    # Empty for the submitter of a public form, who has no account.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "kind"])]


def receipt_digest(code):
    """The stored form of a receipt code; spaces, dashes and letter case do not matter."""
    import hashlib

    normalised = "".join(ch for ch in str(code).upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()
