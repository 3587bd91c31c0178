"""The start page, "Report something" and My reports."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import audit, idempotency, selectors
from cases.forms import AffectedPersonForm, ReportCreateForm
from cases.models import CLOSED_STATES, CaseMessage, ReportType
from cases.services import do_file_report_with_details
from cases.services.content import MAX_UPLOADS
from cases.web import once
from cases.web.common import attach_errors

MAX_FILES = MAX_UPLOADS

# The types in plain words, in the order a care worker thinks of them.
CHOICES = [
    (
        ReportType.DEVIATION,
        gettext_lazy("Something went wrong or nearly went wrong"),
        gettext_lazy(
            "A mistake, a near miss, or work not done as the routines say: a deviation (avvikelse)."
        ),
    ),
    (
        ReportType.LEX_SARAH,
        gettext_lazy("Someone receiving care was harmed, or was at clear risk of it"),
        gettext_lazy(
            "Neglect, abuse, disrespect or other serious shortcomings towards someone who receives care "
            "(missförhållande): a lex Sarah report. You must report it at once; your name is recorded. "
            "If you are unsure, choose this: the coordinator (SAS) decides whether it is lex Sarah."
        ),
    ),
    (
        ReportType.LEX_MARIA,
        gettext_lazy("A patient was harmed, or could have been, in health care"),
        gettext_lazy(
            "In home health care or a nursing home: a wrong medicine, a fall, a delayed or missed "
            "treatment that caused or could have caused a serious injury (vårdskada): a lex Maria report "
            "to the medically responsible nurse (MAS). If you are unsure, report a deviation: the "
            "manager and the MAS decide whether it is lex Maria."
        ),
    ),
    (
        ReportType.DATA_BREACH,
        gettext_lazy("Personal data went astray"),
        gettext_lazy(
            "Information about people was lost, sent to the wrong person, read by someone who should not, "
            "or destroyed: a personal data breach. The 72-hour clock to IMY starts when it was discovered."
        ),
    ),
    (
        ReportType.COMPLAINT,
        gettext_lazy("Someone complained or gave feedback"),
        gettext_lazy(
            "A complaint, opinion, suggestion or praise from someone receiving care, a relative or anyone "
            "else, which you register for them."
        ),
    ),
]
TITLES = {
    ReportType.DEVIATION: gettext_lazy("Report a deviation"),
    ReportType.LEX_SARAH: gettext_lazy("Report a missförhållande (lex Sarah)"),
    ReportType.DATA_BREACH: gettext_lazy("Report a personal data breach"),
    ReportType.COMPLAINT: gettext_lazy("Register a complaint or feedback"),
    ReportType.LEX_MARIA: gettext_lazy("Report a health-care injury (lex Maria)"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(_("At most %(n)d files.") % {"n": MAX_FILES})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# The limits of every filing form, internal and public (``cases.services.content.check_uploads``).
ATTACHMENT_HELP = gettext_lazy(
    "Optional. At most 5 files of at most %(mb)d MB each: PDF, PNG, JPEG, text, Word or "
    "Excel. After an error, choose the files again."
) % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}


# A deviation may stand for several similar low-risk events (samlerapportering).
BULK_FIELDS = [
    "bulk",
    "event_count",
    "event_period_start",
    "event_period_end",
    "category",
    "probability",
    "severity",
    "lex_sarah_criteria",
]


class FilingForm(ReportCreateForm):
    """The filing form a reporter sees: only the fields the chosen type asks for."""

    immediate_measures = forms.CharField(
        label=gettext_lazy("What was done at once to protect the person?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "For example: the staff member was replaced, the person was moved, a doctor was "
            "called. Write “nothing yet” if nothing has been done."
        ),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Attachments"), required=False, help_text=ATTACHMENT_HELP
    )

    FIELDS = {
        ReportType.DEVIATION: ["unit", "description", "occurred_at", *BULK_FIELDS, "attachments"],
        ReportType.LEX_SARAH: ["unit", "description", "occurred_at", "immediate_measures", "attachments"],
        ReportType.DATA_BREACH: ["unit", "description", "discovered_at", "occurred_at", "attachments"],
        ReportType.LEX_MARIA: ["unit", "description", "occurred_at", "attachments"],
        ReportType.COMPLAINT: [
            "unit",
            "kind",
            "description",
            "submitter_name",
            "submitter_contact",
            "attachments",
        ],
    }

    def __init__(self, *args, report_type, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_type = report_type
        self.fields["type"].widget = forms.HiddenInput()
        self.fields["type"].initial = report_type
        self.fields["description"].widget.attrs["rows"] = 5
        self.fields["unit"].help_text = _("The unit where it happened.")
        if report_type == ReportType.DATA_BREACH:
            self.fields["discovered_at"].required = True
            self.fields["discovered_at"].help_text = _("When you or a colleague became aware of it.")
            self.fields["occurred_at"].help_text = _("If known.")
        elif report_type in (ReportType.DEVIATION, ReportType.LEX_SARAH, ReportType.LEX_MARIA):
            # A bulk report's first day stands for when it happened (ReportCreateForm.clean).
            self.fields["occurred_at"].required = not (self.data or {}).get("bulk")
            self.fields["occurred_at"].help_text = _("As closely as you can.")
        if report_type == ReportType.DEVIATION:
            self.fields["bulk"].help_text = _(
                "For many similar low-risk events, e.g. 14 missed medication signatures in a week: "
                "one report with the number and the period. Not for events that caused or risked serious harm."
            )
        if report_type == ReportType.COMPLAINT:
            self.fields["kind"].required = True
            self.fields["kind"].widget = forms.RadioSelect(choices=self.fields["kind"].choices)
            self.fields["kind"].empty_label = None
        if report_type != ReportType.LEX_SARAH:
            del self.fields["immediate_measures"]
        keep = set(self.FIELDS[report_type]) | {"type"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields(["type", *self.FIELDS[report_type]])

    def clean(self):
        self.cleaned_data.setdefault("type", self.report_type)
        return super().clean()


PersonFormSet = forms.formset_factory(AffectedPersonForm, extra=2, max_num=20, validate_max=True)


def home(request):
    if not request.user.is_authenticated:
        return render(request, "web/landing.html")
    return render(request, "web/home.html", {"choices": CHOICES})


@login_required
def report_start(request):
    return render(request, "web/report_start.html", {"choices": CHOICES})


def _last_unit(user):
    own = selectors.visible_reports(user).filter(reporter=user)
    return own.order_by("-reported_at").values_list("unit_id", flat=True).first()


@login_required
def report_form(request, report_type):
    if report_type not in TITLES:
        raise Http404()
    reused = False
    if request.method == "POST":
        form = FilingForm(request.POST, request.FILES, report_type=report_type)
        persons = PersonFormSet(request.POST, prefix="person")
        if form.is_valid() & persons.is_valid():
            data = {k: v for k, v in request.POST.items() if k in form.fields and k != "attachments"}
            data["type"] = report_type

            def file():
                report = do_file_report_with_details(
                    acting_user=request.user,
                    data=data,
                    persons=[p.cleaned_data for p in persons if p.has_changed() and p.cleaned_data],
                    uploads=form.cleaned_data.get("attachments") or [],
                    immediate_measures=form.cleaned_data.get("immediate_measures", ""),
                )
                return idempotency.Answer(
                    302, reverse("web:my_reports"), {"case_number": report.case_number}, report.pk
                )

            try:
                answer, _replayed = once.file_once(request, request.user, file)
            except ValidationError as exc:
                attach_errors(form, exc, {"file": "attachments"})
            except idempotency.KeyReused as exc:
                reused = True
                form.add_error(
                    None,
                    _(
                        "This form was already sent, and filed as %(number)s. To file another "
                        "report, check the form and send it again."
                    )
                    % {"number": exc.report.case_number},
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your report is filed as %(number)s.")
                    % {"number": answer.body["case_number"]},
                    extra_tags=f"clear-draft:report-{report_type}",
                )
                return redirect(answer.location)
    else:
        form = FilingForm(report_type=report_type, initial={"unit": _last_unit(request.user)})
        persons = PersonFormSet(prefix="person")
    return render(
        request,
        "web/report_form.html",
        {
            "form": form,
            "persons": persons,
            "report_type": report_type,
            "title": TITLES[report_type],
            "help": dict((c[0], c[2]) for c in CHOICES)[report_type],
            "imy_rule": _imy_rule() if report_type == ReportType.DATA_BREACH else None,
            "idempotency_key": once.key_for_form(request, reused),
        },
    )


def _imy_rule():
    from cases.models import DeadlineRule

    return DeadlineRule.current("breach-imy-notification")


@login_required
def my_reports(request):
    feedback = CaseMessage.objects.filter(kind=CaseMessage.Kind.FEEDBACK).order_by("created_at", "id")
    reports = (
        selectors.visible_reports(request.user)
        .filter(reporter=request.user)
        .select_related("unit")
        .prefetch_related(Prefetch("messages", queryset=feedback, to_attr="feedback"))
        .order_by("-reported_at", "-id")
    )
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    if page.object_list:
        audit.record_read(
            "report.listed",
            actor=request.user,
            report_ids=[r.pk for r in page.object_list],
            payload={"page": "my_reports"},
        )
    return render(request, "web/my_reports.html", {"page": page, "closed_states": CLOSED_STATES})
