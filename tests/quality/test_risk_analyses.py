"""Risk analyses: several assessors, mean scores with decimals, the level from the risk levels
in force, measures and materialised deviations; the compilation's summary computed by hand;
the pages as the cast."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from cases.inbox_extras import items_for
from cases.models import AuditEvent, RiskBand
from quality import risks
from quality.compilation import risks_by_level
from quality.services import (
    NotFound,
    do_add_measure,
    do_add_risk,
    do_create_risk_analysis,
    do_finish_measure,
    do_link_materialised,
    do_score_risk,
)
from reporting.selectors.tables import Scope
from tests.factories import file
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db

EVERYONE = [
    "reporter",
    "manager_a",
    "manager_b",
    "sas",
    "decision_maker",
    "dso",
    "outsider",
    "sas_other",
    "admin_sn",
    "admin_on",
    "leadership",
]


def test_means_and_levels_by_hand():
    assert risks.mean([1, 2]) == Decimal("1.5")
    assert risks.mean([1, 1, 2, 2, 1]) == Decimal("1.4")
    assert risks.mean([2, 2, 3]) == Decimal("2.3")  # 2.333…
    assert risks.mean([]) is None


def test_a_decimal_score_has_the_level_of_the_highest_band_it_reached(org):
    today = timezone.localdate()
    assert risks.level_for(Decimal("2.10"), today).code == "lag"
    assert risks.level_for(Decimal("4.65"), today).code == "lag"  # between Låg (1–4) and Medium (5–7)
    assert risks.level_for(Decimal("5.00"), today).code == "medium"
    assert risks.level_for(Decimal("11.90"), today).code == "hog"
    assert risks.level_for(Decimal("16.00"), today).code == "kritisk"


def test_the_level_follows_the_risk_levels_in_force_on_the_analysis_day(org):
    day = datetime.date(2031, 1, 1)
    RiskBand.objects.filter(valid_to__isnull=True).update(valid_to=day - datetime.timedelta(days=1))
    RiskBand.objects.create(code="lag", name="Låg", min_score=1, max_score=2, valid_from=day)
    RiskBand.objects.create(code="medium", name="Medium", min_score=3, max_score=16, valid_from=day)
    assert risks.level_for(Decimal("2.10"), day - datetime.timedelta(days=1)).code == "lag"
    assert risks.level_for(Decimal("2.10"), day).code == "lag"
    assert risks.level_for(Decimal("3.00"), day).code == "medium"


@pytest.fixture
def analysis(org, cast):
    return do_create_risk_analysis(
        acting_user=cast["sas"],
        unit=org.unit_a,
        title="Nytt läkemedelssystem i hemtjänsten",
        description="Byte till digital signering.",
        analysed_on=timezone.localdate(),
        assessors=[cast["manager_a"], cast["reporter"]],
    )


def test_several_assessors_give_a_mean_score_and_a_level(org, cast, analysis):
    risk = do_add_risk(analysis.pk, acting_user=cast["sas"], description="Signeringen glöms vid övergången.")
    do_score_risk(risk.pk, acting_user=cast["manager_a"], probability=1, severity=1)
    risk = do_score_risk(risk.pk, acting_user=cast["reporter"], probability=2, severity=2)
    assert (risk.probability, risk.severity, risk.score) == (Decimal("1.5"), Decimal("1.5"), Decimal("2.25"))
    assert risk.level.code == "lag"
    # The assessor changes their mind: their score is replaced, not added.
    risk = do_score_risk(risk.pk, acting_user=cast["reporter"], probability=4, severity=4)
    assert (risk.probability, risk.severity, risk.score) == (Decimal("2.5"), Decimal("2.5"), Decimal("6.25"))
    assert risk.level.code == "medium"
    row = AuditEvent.objects.filter(action="riskanalysis.scored").last()
    assert row.payload["level"] == risk.level_id and row.payload["assessors"] == 2
    with pytest.raises(ValidationError):
        do_score_risk(risk.pk, acting_user=cast["reporter"], probability=5, severity=1)
    with pytest.raises(NotFound):
        do_score_risk(risk.pk, acting_user=cast["outsider"], probability=1, severity=1)


def test_the_summary_by_level_by_hand(org, cast, analysis):
    scores = {
        # risk: [(probability, severity) per assessor] → mean p × mean s → level
        "a": [(1, 1), (2, 2)],  # 1.5 × 1.5 = 2.25 → Låg
        "b": [(3, 3), (3, 4)],  # 3.0 × 3.5 = 10.5 → Hög
        "c": [(4, 4), (4, 3)],  # 4.0 × 3.5 = 14.0 → Kritisk
        "d": [(4, 4), (3, 4)],  # 3.5 × 4.0 = 14.0 → Kritisk
        "e": [],  # not scored
    }
    made = {}
    for name, pairs in scores.items():
        risk = do_add_risk(analysis.pk, acting_user=cast["sas"], description=f"Risk {name}")
        for assessor, (p, s) in zip(("manager_a", "reporter"), pairs, strict=False):
            do_score_risk(risk.pk, acting_user=cast[assessor], probability=p, severity=s)
        made[name] = risk
    follow = timezone.localdate() + datetime.timedelta(days=30)
    for name, count in (("b", 2), ("c", 1), ("d", 1), ("e", 1)):
        for i in range(count):
            do_add_measure(
                made[name].pk,
                acting_user=cast["sas"],
                description=f"Åtgärd {i}",
                owner=cast["manager_a"],
                follow_up_on=follow,
            )
    done = made["b"].measures.first()
    do_finish_measure(done.pk, acting_user=cast["manager_a"])  # the owner marks it done
    scope = Scope(
        unit=org.sn,
        start=timezone.localdate().replace(month=1, day=1),
        end=timezone.localdate(),
        public=False,
    )
    table = risks_by_level(scope)
    rows = {str(r[0]): r[1:] for r in table.rows}
    # Level: risks, measures, open measures.
    assert rows["Kritisk"] == [2, 2, 2]
    assert rows["Hög"] == [1, 2, 1]
    assert rows["Medium"] == [0, 0, 0]
    assert rows["Låg"] == [1, 0, 0]
    assert rows[gettext("Not scored")] == [1, 1, 1]
    assert table.rows[-1][1:] == [5, 5, 4]
    # The other board's compilation holds none of them.
    other = risks_by_level(Scope(unit=org.on, start=scope.start, end=scope.end, public=False))
    assert other.rows[-1][1:] == [0, 0, 0]


def test_a_materialised_risk_links_a_deviation_of_the_board(org, cast, analysis):
    risk = do_add_risk(analysis.pk, acting_user=cast["sas"], description="Fel dos")
    deviation = file("deviation", cast["reporter"], org.unit_a)
    do_link_materialised(risk.pk, acting_user=cast["sas"], case_number=deviation.case_number)
    assert list(risk.materialised_in.all()) == [deviation]
    other = file("deviation", cast["reporter"], org.unit_c)
    with pytest.raises(ValidationError):
        do_link_materialised(risk.pk, acting_user=cast["sas"], case_number=other.case_number)


def test_the_inbox_asks_assessors_to_score_and_owners_to_follow_up(org, cast, analysis):
    risk = do_add_risk(analysis.pk, acting_user=cast["sas"], description="Fel dos")
    today = timezone.localdate()
    assert [i.url for i in items_for(cast["reporter"], today)] == [
        reverse("quality:risk_analysis", args=[analysis.pk])
    ]
    do_score_risk(risk.pk, acting_user=cast["reporter"], probability=1, severity=2)
    assert items_for(cast["reporter"], today) == []
    do_add_measure(
        risk.pk,
        acting_user=cast["sas"],
        description="Utbildning",
        owner=cast["outsider"],
        follow_up_on=today - datetime.timedelta(days=1),
    )
    (item,) = items_for(cast["outsider"], today)
    assert item.overdue


PAGES = Matrix(
    EVERYONE,
    {
        # The register: those who may make analyses (SAS, unit managers) and assessors.
        "register": {"sas": 200, "manager_a": 200, "manager_b": 200, "sas_other": 200, "reporter": 200},
        "analysis": {"sas": 200, "manager_a": 200, "reporter": 200},
        "add_risk": {"sas": 302, "manager_a": 302, "reporter": 403},
    },
    default=404,
)


@PAGES.per_row("page, expected")
def test_the_risk_pages_as_the_cast(client, org, cast, analysis, page, expected):
    urls = {
        "register": reverse("quality:risk_analyses"),
        "analysis": reverse("quality:risk_analysis", args=[analysis.pk]),
        "add_risk": reverse("quality:risk_analysis", args=[analysis.pk]),
    }
    got = {}
    for name in EVERYONE:
        client.force_login(cast[name])
        if page == "add_risk":
            response = client.post(urls[page], {"action": "risk", "description": "En risk"})
        else:
            response = client.get(urls[page])
        got[name] = response.status_code
    assert got == expected
