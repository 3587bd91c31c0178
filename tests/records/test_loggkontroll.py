"""The monthly loggkontroll: a reproducible sample with every targeted category, verdicts,
the follow-up of a questioned read, and the signature."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import audit
from cases.models import AuditEvent
from records.models import LogPick, LogReview
from records.sampling import draw_log_review
from records.services import (
    NotFound,
    do_follow_up_pick,
    do_judge_pick,
    do_sign_review,
    previous_month,
)
from tests.factories import file
from workflows.models import Substitute

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Europe/Stockholm")
MONDAY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=ZONE)
SATURDAY_NIGHT = datetime.datetime(2026, 3, 7, 23, 0, tzinfo=ZONE)
PERIOD = (datetime.datetime(2026, 3, 1, tzinfo=ZONE), datetime.datetime(2026, 4, 1, tzinfo=ZONE))


def read(user, report, at):
    with time_machine.travel(at, tick=False):
        audit.record_read("report.viewed", actor=user, report_ids=[report.pk])


@pytest.fixture
def reads(org, cast):
    deviation = file("deviation", cast["reporter"], org.unit_a)
    lex_sarah = file("lex_sarah", cast["reporter"], org.unit_a)
    Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["manager_b"],
        starts_at=MONDAY - datetime.timedelta(days=1),
        ends_at=MONDAY + datetime.timedelta(days=1),
    )
    for minute in range(120):
        read(cast["reporter"], deviation, MONDAY + datetime.timedelta(minutes=minute))
    read(cast["manager_b"], deviation, MONDAY + datetime.timedelta(hours=3))  # outside own unit, standing in
    read(cast["sas"], lex_sarah, MONDAY + datetime.timedelta(hours=4))  # a lex Sarah case
    read(cast["dso"], deviation, SATURDAY_NIGHT)  # out of hours, no task
    read(cast["sas_other"], file("deviation", cast["sas_other"], org.unit_c), MONDAY)  # the other board
    return deviation, lex_sarah


def draw(org, seed="fast-seed", share=0.1):
    return draw_log_review(org.sn, *PERIOD, now=PERIOD[1], seed=seed, share=share)


def picked(review):
    return sorted((p.event_id, tuple(p.reasons)) for p in review.picks.all())


def test_the_sample_is_reproducible_from_its_seed(org, cast, reads):
    first = draw(org)
    assert first.seed == "fast-seed" and first.reads_in_period == 123
    again = picked(first)
    first.delete()
    assert picked(draw(org)) == again
    other = picked(LogReview.objects.get(pk=draw_log_review(org.on, *PERIOD, now=PERIOD[1], seed="x").pk))
    assert all(event_id not in {e for e, _r in again} for event_id, _r in other)


def test_the_sample_takes_the_share_at_random_and_every_targeted_category(org, cast, reads):
    review = draw(org)
    reasons = {reason for pick in review.picks.all() for reason in pick.reasons}
    assert reasons == set(LogPick.Reason.values)
    randoms = sum("random" in p.reasons for p in review.picks.all())
    assert 3 <= randoms <= 30  # 10 % of 123, drawn
    by_reader = {p.reader.username: set(p.reasons) for p in review.picks.exclude(reader=cast["reporter"])}
    assert {"outside_units", "substitute"} <= by_reader["manager_b"]
    assert "sensitive_type" in by_reader["sas"]
    assert {"off_hours", "no_task"} <= by_reader["dso"]
    assert "sas_other" not in by_reader


def test_a_questioned_read_goes_to_the_readers_manager_and_is_followed_up(org, cast, reads):
    review = draw(org, share=1)
    pick = review.picks.filter(reader=cast["reporter"]).first()
    with pytest.raises(ValidationError):
        do_judge_pick(pick.pk, acting_user=cast["sas"], verdict="questioned", note="")
    with pytest.raises(NotFound):
        do_judge_pick(pick.pk, acting_user=cast["manager_a"], verdict="justified")
    do_judge_pick(pick.pk, acting_user=cast["sas"], verdict="questioned", note="Ingen uppgift i ärendet")
    pick.refresh_from_db()
    assert pick.follow_up_by == cast["manager_a"]
    event = AuditEvent.objects.get(action="logreview.judged")
    assert event.actor == cast["sas"] and event.payload["verdict"] == "questioned"
    assert "Ingen uppgift" not in str(event.payload)
    with pytest.raises(NotFound):
        do_follow_up_pick(pick.pk, acting_user=cast["manager_b"], note="Samtal hållet")
    do_follow_up_pick(pick.pk, acting_user=cast["manager_a"], note="Samtal hållet")
    assert AuditEvent.objects.filter(action="logreview.followed_up", actor=cast["manager_a"]).exists()


def test_nobody_judges_their_own_reads(org, cast, reads):
    review = draw(org, share=1)
    own = review.picks.filter(reader=cast["sas"]).first()
    with pytest.raises(PermissionDenied):
        do_judge_pick(own.pk, acting_user=cast["sas"], verdict="justified")


def test_the_review_is_signed_when_every_pick_is_judged(org, cast, reads):
    review = draw(org, share=0.05)
    with pytest.raises(ValidationError):
        do_sign_review(review.pk, acting_user=cast["dso"])
    for pick in review.picks.all():
        judge = cast["sas"] if pick.reader != cast["sas"] else cast["dso"]
        do_judge_pick(pick.pk, acting_user=judge, verdict="justified")
    do_sign_review(review.pk, acting_user=cast["dso"])
    review.refresh_from_db()
    assert review.status == "signed" and review.signed_by == cast["dso"]
    signed = AuditEvent.objects.get(action="logreview.signed")
    assert signed.payload["picks"] == review.picks.count()
    with pytest.raises(NotFound):
        do_sign_review(review.pk, acting_user=cast["sas_other"])


def test_the_scheduler_draws_last_months_review_once(org, cast, reads, settings):
    from records.jobs import log_reviews

    now = datetime.datetime(2026, 4, 1, 0, 5, tzinfo=ZONE)
    assert previous_month(now) == PERIOD
    log_reviews(now)
    log_reviews(now + datetime.timedelta(minutes=1))
    review = LogReview.objects.get(board=org.sn)
    assert review.reads_in_period == 123 and review.due_by == datetime.date(2026, 4, 15)
    assert LogReview.objects.filter(board=org.on).count() == 1
    assert AuditEvent.objects.filter(action="logreview.drawn").count() == 2
    assert "records.jobs.log_reviews" in settings.SCHEDULER_JOBS


def test_the_seeded_hash_is_the_same_in_the_database_and_in_python(org, cast, reads):
    from django.db import connection

    from records.sampling import PRIME, _Hash

    hashed = _Hash("fast-seed", "random")
    ids = list(AuditEvent.objects.filter(chain="access").values_list("pk", flat=True)[:20])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {hashed.sql('id')} FROM cases_auditevent WHERE id IN ({', '.join(map(str, ids))})",
            [],
        )
        in_sql = dict(cursor.fetchall())
    assert in_sql == {pk: hashed(pk) for pk in ids}
    assert all(0 <= value < PRIME for value in in_sql.values())
    assert _Hash("other-seed", "random")(ids[0]) != hashed(ids[0]) or _Hash("x", "random")(ids[0]) != hashed(
        ids[0]
    )


def test_share_nought_picks_no_read_at_random_and_share_one_every_read(org, cast, reads):
    none = draw(org, seed="s0", share=0)
    assert not any("random" in p.reasons for p in none.picks.all())
    none.delete()
    every = draw(org, seed="s1", share=1)
    assert sum("random" in p.reasons for p in every.picks.all()) == every.reads_in_period == 123


def test_office_hours_follow_summer_time():
    from records.sampling import _office_windows

    start = datetime.datetime(2026, 3, 27, tzinfo=ZONE)  # Friday; summer time from Sunday 29 March
    windows = _office_windows(start, datetime.datetime(2026, 4, 1, tzinfo=ZONE))
    hours = {(w[0].astimezone(ZONE).hour, w[1].astimezone(ZONE).hour) for w in windows}
    assert hours == {(7, 18)}
    assert all(w[0].weekday() < 5 for w in windows)
    assert datetime.date(2026, 3, 30) in {w[0].date() for w in windows}


def test_the_compilation_counts_the_picks_the_questioned_reads_and_their_follow_ups(org, cast, reads):
    from reporting.selectors.compilation import compile_tables
    from reporting.selectors.tables import Scope

    review = draw(org, share=1)
    picks = list(review.picks.exclude(reader=cast["sas"]).order_by("pk")[:3])
    for pick in picks:
        do_judge_pick(pick.pk, acting_user=cast["sas"], verdict="questioned", note="Ingen uppgift")
    first = LogPick.objects.get(pk=picks[0].pk)
    do_follow_up_pick(first.pk, acting_user=first.follow_up_by, note="Samtal hållet")

    scope = Scope(unit=org.sn, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), public=False)
    table = next(t for t in compile_tables(scope) if t.key == "questioned_reads")
    assert table.rows[0] == [org.sn.name, review.picks.count(), 3, 1]
    assert table.rows[-1][1:] == [review.picks.count(), 3, 1]
    later = Scope(
        unit=org.kommun, start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 30), public=False
    )
    assert next(t for t in compile_tables(later) if t.key == "questioned_reads").rows[-1][1:] == [0, 0, 0]


def test_every_pick_holds_the_readers_roles_on_the_cases_unit_when_they_read(org, cast):
    """The roles come from the role history (the audit rows of grants and revocations), not
    from the roles held when the review is drawn; a substitution in force lends the absent
    person's roles for its span."""
    from cases.models import Role
    from cases.services import do_grant_role, do_revoke_role

    deviation = file("deviation", cast["reporter"], org.unit_a)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=1)
    hour = datetime.timedelta(hours=1)
    read(cast["manager_a"], deviation, start + hour)  # unit manager of unit A then
    read(cast["dso"], deviation, start + hour)
    read(cast["reporter"], deviation, start + hour)  # no role then
    read(cast["manager_b"], deviation, start + hour)  # unit B's manager: no role on unit A
    Substitute.objects.create(
        person=cast["manager_a"],
        substitute=cast["manager_b"],
        starts_at=start + 3 * hour,
        ends_at=start + 5 * hour,
    )
    with time_machine.travel(start + 2 * hour, tick=False):
        do_revoke_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)
        do_grant_role(cast["reporter"], Role.ARCHIVIST, org.sn, acting_user=None)
    with time_machine.travel(start + 4 * hour, tick=False):
        do_grant_role(cast["manager_a"], Role.UNIT_MANAGER, org.unit_a, acting_user=None)
    read(cast["manager_a"], deviation, start + 3 * hour)  # revoked by then
    read(cast["reporter"], deviation, start + 3 * hour)  # archivist by then
    read(cast["manager_b"], deviation, start + 3 * hour)  # stands in for manager A, who holds nothing
    read(cast["manager_b"], deviation, start + 4 * hour + datetime.timedelta(minutes=30))  # A holds it again
    read(cast["manager_b"], deviation, start + 6 * hour)  # the substitution has ended
    end = start + 7 * hour
    review = draw_log_review(org.sn, start, end, now=end, seed="roles", share=1)
    assert review.picks.count() == review.reads_in_period == 9
    seen = sorted(
        (p.occurred_at - start, p.reader.username, tuple(p.reader_roles))
        for p in review.picks.select_related("reader")
    )
    assert seen == [
        (hour, "dso", ("dso",)),
        (hour, "manager_a", ("unit_manager",)),
        (hour, "manager_b", ()),
        (hour, "reporter", ()),
        (3 * hour, "manager_a", ()),
        (3 * hour, "manager_b", ()),
        (3 * hour, "reporter", ("arkivansvarig",)),
        (4 * hour + datetime.timedelta(minutes=30), "manager_b", ("unit_manager",)),
        (6 * hour, "manager_b", ()),
    ]
