"""Risk analyses: who may do what, the means of the assessors' scores, and the level a score
has under the risk levels in force.

**The level of a decimal score.** The risk levels (``cases.RiskBand``, reference data with
validity dates) cover the whole-number products 1–16 (*Låg* 1–4, *Medium* 5–7, *Hög* 8–11,
*Kritisk* 12–16 by default). A mean score may fall between two of them (1.5 × 3.1 = 4.65):
it has the level of the highest band whose lowest score it has reached, so each band reaches
up to the next one's lowest score (4.65 is *Låg*, 5.0 *Medium*)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from cases.access import QUALITY_CHART_ROLES, role_scope
from cases.models import RiskBand
from quality.models import RiskAnalysis

TENTH = Decimal("0.1")


def mean(values):
    """The mean of whole scores, one decimal, half up (1, 2 → 1.5; 1, 1, 2, 2, 1 → 1.4)."""
    values = list(values)
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(TENTH, rounding=ROUND_HALF_UP)


def level_for(score, day):
    """The risk level in force on ``day`` of a (decimal) score, or None."""
    if score is None:
        return None
    bands = sorted(RiskBand.objects.valid_on(day), key=lambda b: b.min_score)
    reached = [b for b in bands if Decimal(b.min_score) <= score]
    return reached[-1] if reached else None


def may_manage(user, analysis=None, *, board=None, unit=None):
    """The board's SAS, or a unit manager of the analysed unit: create and change analyses."""
    if not user.is_authenticated or not user.is_active:
        return False
    unit = analysis.unit if analysis is not None else unit
    scope = role_scope(user)
    return any(scope.has(role, unit) for role in QUALITY_CHART_ROLES)


def analyses_for(user):
    """The risk analyses a user may read: where they may manage them, or are an assessor."""
    if not user.is_authenticated or not user.is_active:
        return RiskAnalysis.objects.none()
    scope = role_scope(user)
    q = scope.units_q(QUALITY_CHART_ROLES, prefix="unit__") | Q(assessors=user)
    ids = RiskAnalysis.objects.filter(q).values("pk")
    return RiskAnalysis.objects.filter(pk__in=ids).select_related("board", "unit", "created_by")


def is_assessor(user, analysis):
    return user.is_authenticated and analysis.assessors.filter(pk=user.pk).exists()
