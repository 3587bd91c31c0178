"""The risk analyses' pages: the register (and a new analysis), and one analysis with its risks,
the assessors' scores, the measures and the deviations that showed a risk materialised. Every
change goes through ``quality.services``; an analysis the user may not read answers 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.access import QUALITY_CHART_ROLES, role_scope
from cases.models import OrgUnit
from quality import risks
from quality.services import (
    NotFound,
    do_add_measure,
    do_add_risk,
    do_create_risk_analysis,
    do_finish_measure,
    do_link_materialised,
    do_score_risk,
)

SCALE = [(i, str(i)) for i in range(1, 5)]


def manageable_units(user):
    scope = role_scope(user)
    if not user.is_authenticated:
        return OrgUnit.objects.none()
    return (
        OrgUnit.objects.filter(scope.units_q(QUALITY_CHART_ROLES, prefix=""))
        .exclude(kind__in=[OrgUnit.Kind.MUNICIPALITY])
        .order_by("path")
    )


def colleagues(units):
    """Who may be named: the users whose home unit is in the boards of ``units``."""
    boards = {u.namnd_id or u.pk for u in units}
    paths = list(OrgUnit.objects.filter(pk__in=boards).values_list("path", flat=True))
    users = get_user_model().objects.filter(is_active=True)
    if not paths:
        return users.none()
    from django.db.models import Q

    q = Q()
    for path in paths:
        q |= Q(home_unit__path__startswith=path)
    return users.filter(q).order_by("first_name", "last_name")


class AnalysisForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=gettext_lazy("What is analysed"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("The planned change or process"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    analysed_on = forms.DateField(
        label=gettext_lazy("Analysed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    assessors = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Assessors"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = manageable_units(user)
        self.fields["unit"].queryset = units
        self.fields["assessors"].queryset = colleagues(list(units))
        self.fields["analysed_on"].initial = timezone.localdate()


@login_required
def register_page(request):
    units = manageable_units(request.user)
    analyses = risks.analyses_for(request.user)
    if not units.exists() and not analyses.exists():
        raise Http404
    form = AnalysisForm(user=request.user) if units.exists() else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        form = AnalysisForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                analysis = do_create_risk_analysis(
                    acting_user=request.user,
                    unit=data["unit"],
                    title=data["title"],
                    description=data["description"],
                    analysed_on=data["analysed_on"],
                    assessors=list(data["assessors"]),
                )
            except NotFound:
                raise Http404 from None
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("quality:risk_analysis", analysis.pk)
    return render(request, "quality/risk_register.html", {"form": form, "analyses": analyses[:200]})


def _add_errors(form, exc):
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


class RiskForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Risk"), widget=forms.Textarea(attrs={"rows": 2}))


class ScoreForm(forms.Form):
    risk = forms.IntegerField(widget=forms.HiddenInput)
    probability = forms.TypedChoiceField(label=gettext_lazy("Probability (1–4)"), choices=SCALE, coerce=int)
    severity = forms.TypedChoiceField(label=gettext_lazy("Severity (1–4)"), choices=SCALE, coerce=int)


class MeasureForm(forms.Form):
    risk = forms.IntegerField(widget=forms.HiddenInput)
    description = forms.CharField(label=gettext_lazy("Measure"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=get_user_model().objects.none())
    follow_up_on = forms.DateField(
        label=gettext_lazy("Follow-up date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, analysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = colleagues([analysis.unit])


class LinkForm(forms.Form):
    risk = forms.IntegerField(widget=forms.HiddenInput)
    case_number = forms.CharField(label=gettext_lazy("Case number of the deviation"), max_length=40)


@login_required
def analysis_page(request, analysis_id):
    analysis = risks.analyses_for(request.user).filter(pk=analysis_id).first()
    if analysis is None:
        raise Http404
    manage = risks.may_manage(request.user, analysis)
    assessor = risks.is_assessor(request.user, analysis)
    forms_ = {"risk": RiskForm(), "link": None}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "risk":
                form = RiskForm(request.POST)
                if form.is_valid():
                    do_add_risk(
                        analysis.pk, acting_user=request.user, description=form.cleaned_data["description"]
                    )
                    messages.success(request, _("The risk is added."))
                    return redirect("quality:risk_analysis", analysis.pk)
                forms_["risk"] = form
            elif action == "score":
                form = ScoreForm(request.POST)
                if form.is_valid():
                    d = form.cleaned_data
                    do_score_risk(
                        d["risk"],
                        acting_user=request.user,
                        probability=d["probability"],
                        severity=d["severity"],
                    )
                    messages.success(request, _("Your score is recorded."))
                    return redirect("quality:risk_analysis", analysis.pk)
                messages.error(request, _("Choose a probability and a severity from 1 to 4."))
            elif action == "measure":
                form = MeasureForm(request.POST, analysis=analysis)
                if form.is_valid():
                    d = form.cleaned_data
                    do_add_measure(
                        d["risk"],
                        acting_user=request.user,
                        description=d["description"],
                        owner=d["owner"],
                        follow_up_on=d["follow_up_on"],
                    )
                    messages.success(request, _("The measure is added."))
                    return redirect("quality:risk_analysis", analysis.pk)
                messages.error(request, _("Describe the measure, name its owner and the follow-up date."))
            elif action == "done":
                do_finish_measure(int(request.POST.get("measure", "0") or 0), acting_user=request.user)
                return redirect("quality:risk_analysis", analysis.pk)
            elif action == "link":
                form = LinkForm(request.POST)
                if form.is_valid():
                    do_link_materialised(
                        form.cleaned_data["risk"],
                        acting_user=request.user,
                        case_number=form.cleaned_data["case_number"],
                    )
                    messages.success(request, _("The deviation is linked to the risk."))
                    return redirect("quality:risk_analysis", analysis.pk)
                messages.error(request, _("Give the case number of the deviation."))
            else:
                raise Http404
        except NotFound:
            raise Http404 from None
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
    risk_rows = []
    for risk in analysis.risks.select_related("level").prefetch_related(
        "measures__owner", "scores", "materialised_in"
    ):
        mine = next((s for s in risk.scores.all() if s.assessor_id == request.user.pk), None)
        risk_rows.append(
            {
                "risk": risk,
                "scores": len(risk.scores.all()),
                "score_form": ScoreForm(
                    initial={
                        "risk": risk.pk,
                        "probability": mine.probability if mine else None,
                        "severity": mine.severity if mine else None,
                    },
                    auto_id=f"id_score_{risk.pk}_%s",
                ),
                "measure_form": MeasureForm(
                    initial={"risk": risk.pk}, analysis=analysis, auto_id=f"id_measure_{risk.pk}_%s"
                ),
                "link_form": LinkForm(initial={"risk": risk.pk}, auto_id=f"id_link_{risk.pk}_%s"),
                "materialised": list(risk.materialised_in.all()),
            }
        )
    return render(
        request,
        "quality/risk_analysis.html",
        {
            "analysis": analysis,
            "rows": risk_rows,
            "manage": manage,
            "assessor": assessor,
            "risk_form": forms_["risk"],
            "user_id": request.user.pk,
        },
    )
