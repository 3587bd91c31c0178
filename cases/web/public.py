"""The public form for complaints, opinions, suggestions and praise, and the receipt-code
page. No account: spam is kept out by a honeypot field and a per-address rate limit; the
receipt code travels only in POST bodies, never in a URL."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from cases import idempotency, selectors
from cases.forms import ReportCreateForm
from cases.models import CaseMessage, OrgUnit
from cases.services import CaseNotFound, do_answer_as_submitter, do_file_public_submission
from cases.services.conversation import MessageForm
from cases.web import once
from cases.web.common import attach_errors, public_limits, rate_limited
from cases.web.reporting import ATTACHMENT_HELP, BULK_FIELDS, MultipleFileField

HOUR = 3600
RECEIPT_SESSION_KEY = "public_receipt"


class PublicForm(ReportCreateForm):
    # Real people leave this empty: it is hidden from them and from screen readers.
    website = forms.CharField(label=gettext_lazy("Leave this field empty"), required=False)
    attachments = MultipleFileField(
        label=gettext_lazy("Attachments"), required=False, help_text=ATTACHMENT_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("type", "occurred_at", "discovered_at", *BULK_FIELDS):
            del self.fields[name]
        self.fields["unit"].queryset = OrgUnit.objects.exclude(kind__in=["kommun", "namnd", "forvaltning"])
        self.fields["unit"].label = _("Which service is it about?")
        self.fields["kind"].required = True
        self.fields["kind"].label = _("What would you like to give?")
        self.fields["kind"].empty_label = None  # nothing chosen until the person chooses: no "---------"
        self.fields["kind"].widget = forms.RadioSelect(choices=self.fields["kind"].choices)
        self.fields["description"].label = _("Your message")
        self.fields["description"].widget.attrs["rows"] = 6
        self.fields["submitter_name"].label = _("Your name (optional)")
        self.fields["submitter_contact"].label = _("E-mail or telephone (optional)")
        self.fields["submitter_contact"].help_text = _(
            "Leave it empty to stay anonymous; with the receipt code you can still read our answer."
        )

    def clean(self):
        self.cleaned_data["type"] = "complaint"
        return super().clean()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Receipt code"),
        max_length=40,
        help_text=gettext_lazy("The code you got when you sent your message, e.g. ABCD-EFGH-JKMN-PQRS."),
    )


@never_cache
def public_form(request):
    submissions, _lookups = public_limits()
    reused = False
    if request.method == "POST":
        form = PublicForm(request.POST, request.FILES)
        if rate_limited(request, "public-form", submissions, HOUR):
            form.is_valid()
            form.add_error(
                None, _("Too many messages have been sent from here. Please try again in an hour.")
            )
        elif form.is_valid():
            if form.cleaned_data.get("website"):
                # A bot filled the hidden field: answer as if it worked, file nothing.
                return redirect("web:public_thanks")
            data = {
                k: v
                for k, v in request.POST.items()
                if k in form.fields and k not in ("website", "attachments")
            }

            def file():
                report, code = do_file_public_submission(
                    data=data, uploads=form.cleaned_data.get("attachments") or []
                )
                # Saved with the session in the filing's transaction (cases.request_transactions).
                request.session[RECEIPT_SESSION_KEY] = code
                return idempotency.Answer(302, reverse("web:public_thanks"), None, report.pk)

            try:
                answer, _replayed = once.file_once(request, None, file)
            except ValidationError as exc:
                attach_errors(form, exc, {"file": "attachments"})
            except idempotency.KeyReused:
                reused = True
                form.add_error(
                    None,
                    _(
                        "This form was already sent, and your message was received. To send another "
                        "message, check the form and send it again."
                    ),
                )
            else:
                return redirect(answer.location)
    else:
        form = PublicForm()
    return render(
        request, "web/public_form.html", {"form": form, "idempotency_key": once.key_for_form(request, reused)}
    )


@never_cache
def public_thanks(request):
    code = request.session.pop(RECEIPT_SESSION_KEY, None)
    return render(request, "web/public_thanks.html", {"code": code})


@never_cache
def public_status(request):
    """GET asks for the code; POST shows the submission's status, the answer and the
    handler's questions, and takes the submitter's answer."""
    _submissions, lookups = public_limits()
    report = None
    answer_form = None
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if rate_limited(request, "receipt", lookups, HOUR):
            form.is_valid()
            form.add_error(None, _("Too many attempts from here. Please try again in an hour."))
        elif form.is_valid():
            report = selectors.report_for_receipt(form.cleaned_data["code"])
            if report is None:
                form.add_error("code", _("We found no message with this code. Check it and try again."))
            elif "text" in request.POST:
                answer_form = MessageForm(request.POST)
                try:
                    do_answer_as_submitter(form.cleaned_data["code"], data=request.POST)
                except ValidationError as exc:
                    attach_errors(answer_form, exc)
                except CaseNotFound:
                    form.add_error("code", _("We found no message with this code. Check it and try again."))
                    report = None
                else:
                    answer_form = None
                    report = selectors.report_for_receipt(form.cleaned_data["code"])
    context = {"form": form, "report": report, "answer_form": answer_form or MessageForm()}
    if report is not None:
        context["conversation"] = report.messages.filter(
            kind__in=[CaseMessage.Kind.QUESTION, CaseMessage.Kind.ANSWER]
        )
        context["answered"] = report.state in ("answered", "closed") and report.reply
    return render(request, "web/public_status.html", context)
