"""The nämnd compilation and statistics over many cases, on PostgreSQL (docs/performance.md,
"Compilations and statistics").

    make bench                                   # or:
    .venv/bin/python bench/compilations.py [--cases 1000000] [--boards 4] [--keep] [--database NAME] [--check]

Rows are generated with ``generate_series`` in their own database (``bench_compilations``,
or ``--database``), never in a test or development database. ``--keep`` reuses the database
when it already holds the requested number of cases. The generated cases bypass the
services, so the monthly counts (``MonthlyCount``) are then built from them: in SQL, one
``INSERT … SELECT … GROUP BY`` per dimension (``fill_aggregates``), or with ``--rebuild`` by
the rebuild of ``manage.py aggregates --rebuild`` (timed as ``aggregates_build_s``);
``--check`` compares them with a fresh count afterwards, as ``manage.py aggregates --check``
does. ``--refill`` builds them again in a kept database.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

from run import LOCAL_SERVER, RESULTS_DIR, machine, setup_django  # noqa: E402

BENCH_DB = "bench_compilations"
DEPARTMENTS, UNITS_PER_DEPARTMENT = 5, 10
GOAL_COMPILATION_S, GOAL_STATISTICS_S = 1.0, 0.5
FIRST_DAY = datetime.date(2016, 1, 1)
DAYS = 3650
REPEATS = 5


def database(keep, cases, name=BENCH_DB):
    url = f"{LOCAL_SERVER}/{name}"
    with psycopg.connect(f"{LOCAL_SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and keep:
            with psycopg.connect(url) as conn:
                try:
                    if conn.execute("SELECT count(*) FROM cases_report").fetchone()[0] == cases:
                        return url, False
                except psycopg.errors.UndefinedTable:
                    pass
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return url, True


def filler(cursor, table, given):
    """SQL values for the NOT NULL columns without a database default that are not ``given``
    (Django keeps defaults in Python, so raw SQL must supply them)."""
    rows = cursor.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
        "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
        [table],
    ).fetchall()
    blank = {
        "text": "''",
        "character varying": "''",
        "jsonb": "'[]'::jsonb",
        "boolean": "false",
        "timestamp with time zone": "now()",
        "date": "current_date",
        "integer": "0",
        "smallint": "0",
        "bigint": "0",
        "bytea": "''::bytea",
    }
    return {name: blank[kind] for name, kind in rows if name not in given}


def insert(cursor, table, values, source):
    """INSERT INTO table (cols) SELECT values FROM source, with filler for the rest."""
    values = {**filler(cursor, table, values), **values}
    cursor.execute(f"INSERT INTO {table} ({', '.join(values)}) SELECT {', '.join(values.values())} {source}")


def build_org(boards):
    from django.contrib.auth import get_user_model

    from cases.models import OrgUnit, Role
    from cases.services import do_grant_role

    kommun = OrgUnit.objects.create(kind="kommun", name="Benchkommun")
    units = []
    for b in range(boards):
        board = OrgUnit.objects.create(
            kind="namnd", name=f"Nämnd {b + 1}", parent=kommun, case_number_prefix=f"N{b + 1}"
        )
        office = OrgUnit.objects.create(kind="forvaltning", name=f"Förvaltning {b + 1}", parent=board)
        for d in range(DEPARTMENTS):
            dept = OrgUnit.objects.create(kind="avdelning", name=f"Avdelning {b + 1}.{d + 1}", parent=office)
            for u in range(UNITS_PER_DEPARTMENT):
                units.append(
                    OrgUnit.objects.create(kind="enhet", name=f"Enhet {b + 1}.{d + 1}.{u + 1}", parent=dept)
                )
    User = get_user_model()
    leader = User.objects.create_user(username="bench-leader")
    do_grant_role(leader, Role.LEADERSHIP, kommun, acting_user=None)
    sas = User.objects.create_user(username="bench-sas")
    first_board = OrgUnit.objects.get(kind="namnd", name="Nämnd 1")
    do_grant_role(sas, Role.SAS, first_board, acting_user=None)
    return kommun, first_board, units, leader, sas


def generate(cases, boards):
    from django.db import connection

    from cases.models import LegalReference, RiskBand, Term

    kommun, board, units, leader, sas = build_org(boards)
    terms = {
        v: list(Term.objects.filter(vocabulary=v).values_list("pk", flat=True))
        for v in ("deviation_category", "lex_sarah_category", "complaint_kind", "subject_area")
    }
    bands = list(RiskBand.objects.values_list("pk", flat=True))
    legal = LegalReference.objects.first().pk
    started = time.perf_counter()
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE bench_units (idx int, unit_id bigint, namnd_id bigint, prefix text)")
        c.executemany(
            "INSERT INTO bench_units VALUES (%s, %s, %s, %s)",
            [(i, u.pk, u.namnd_id, u.namnd.case_number_prefix) for i, u in enumerate(units)],
        )

        def pick(name, values, g="g"):
            return f"(ARRAY{values}::bigint[])[1 + ({g} * 31 + 7) % {len(values)}]"

        # 70 % deviations, 15 % complaints, 10 % lex Sarah, 5 % breaches; 80 % closed;
        # spread evenly over ten years by a multiplicative hash of the row number, and
        # written in the order they were reported, as a live system writes them.
        when = f"(timestamptz '{FIRST_DAY.isoformat()} 00:00+01' + ((g::bigint * 7919) % ({DAYS} * 1440)) * interval '1 minute')"
        kind = (
            "CASE WHEN g % 20 < 14 THEN 'deviation' WHEN g % 20 < 17 THEN 'complaint' "
            "WHEN g % 20 < 19 THEN 'lex_sarah' ELSE 'data_breach' END"
        )
        insert(
            c,
            "cases_report",
            {
                "type": kind,
                "state": "CASE WHEN g % 5 = 0 THEN CASE WHEN g % 20 BETWEEN 14 AND 16 THEN 'received' ELSE 'reported' END ELSE 'closed' END",
                "case_number": "u.prefix || ' ' || extract(year from " + when + ")::int || '/' || g",
                "case_year": f"extract(year from {when})::int",
                "case_sequence": "g",
                "namnd_id": "u.namnd_id",
                "unit_id": "u.unit_id",
                "description": "'Genererad.'",
                "reported_at": when,
                "occurred_at": when,
                "closed_at": f"CASE WHEN g % 5 = 0 THEN NULL ELSE {when} + interval '20 days' END",
                "risk_band_id": f"CASE WHEN g % 3 = 0 THEN NULL ELSE {pick('band', bands)} END",
                "category_id": f"CASE WHEN g % 20 < 14 THEN {pick('dc', terms['deviation_category'])} END",
                "complaint_kind_id": f"CASE WHEN g % 20 BETWEEN 14 AND 16 THEN {pick('ck', terms['complaint_kind'])} END",
                "subject_area_id": f"CASE WHEN g % 20 BETWEEN 14 AND 16 THEN {pick('sa', terms['subject_area'], 'g / 7')} END",
                "lex_sarah_assessment": "CASE WHEN g % 20 BETWEEN 17 AND 18 THEN (ARRAY['none','missforhallande','pataglig_risk'])[1 + g % 3] ELSE '' END",
                "investigation_summary": "'Sammanfattning av utredningen.'",
                "decision": "'Beslut.'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"FROM generate_series(1, {cases}) g JOIN bench_units u ON u.idx = g % {len(units)} ORDER BY {when}",
        )
        lex = "FROM cases_report r WHERE r.type = 'lex_sarah'"
        insert(
            c,
            "cases_report_categories",
            {"report_id": "r.id", "term_id": pick("c", terms["lex_sarah_category"], "r.id")},
            lex,
        )
        insert(
            c,
            "cases_report_categories",
            {"report_id": "r.id", "term_id": pick("c", terms["lex_sarah_category"], "r.id + 3")},
            lex + " AND r.id % 3 = 0 ON CONFLICT DO NOTHING",
        )
        insert(
            c,
            "cases_affectedperson",
            {"report_id": "r.id", "created_at": "now()", "role": "'Brukare'"},
            "FROM cases_report r CROSS JOIN generate_series(1, 2) n WHERE r.type = 'lex_sarah' AND (n = 1 OR r.id % 4 = 0)",
        )
        insert(
            c,
            "cases_action",
            {
                "report_id": "r.id",
                "description": "'Åtgärd.'",
                "kind": "'corrective'",
                "owner_id": str(sas.pk),
                "created_by_id": str(sas.pk),
                "due_date": "r.reported_at::date + 30",
                "status": "(ARRAY['not_started','in_progress','done'])[1 + r.id % 3]",
                "created_at": "now()",
            },
            "FROM cases_report r WHERE r.type IN ('deviation', 'lex_sarah') AND r.id % 2 = 0",
        )
        notified = (
            "FROM cases_report r WHERE (r.type = 'lex_sarah' AND r.lex_sarah_assessment <> 'none') "
            "OR (r.type = 'data_breach' AND r.id % 2 = 0)"
        )
        insert(
            c,
            "cases_regulatornotification",
            {
                "report_id": "r.id",
                "regulator": "CASE WHEN r.type = 'lex_sarah' THEN 'ivo' ELSE 'imy' END",
                "state": "'submitted'",
                "decided_at": "r.reported_at + interval '10 days'",
                "decided_by_id": str(sas.pk),
                "outcome": "(ARRAY['','closed','criticism','more_requested'])[1 + r.id % 4]",
            },
            notified,
        )
        insert(
            c,
            "cases_delegationdecision",
            {
                "report_id": "r.id",
                "kind": "CASE WHEN r.type = 'lex_sarah' THEN 'notify_ivo' ELSE 'notify_imy' END",
                "delegate_id": str(sas.pk),
                "delegate_name": "'Delegat'",
                "legal_reference_id": str(legal),
                "decided_at": "r.reported_at + interval '10 days'",
                "summary": "'Beslut.'",
            },
            notified,
        )
        c.execute("ANALYZE")
    return time.perf_counter() - started


# The monthly counts of the generated cases in SQL: one INSERT … SELECT … GROUP BY per
# dimension, the same cells as ``reporting.services.aggregates.fresh_cells`` counts (the run
# with ``--check`` compares the two). Months are local (Europe/Stockholm, settings.TIME_ZONE).
MONTH = "date_trunc('month', r.reported_at AT TIME ZONE '{zone}')::date"
ROW_DIMENSIONS = {
    "reports": ("''", "''", ""),
    "state": ("r.state", "''", ""),
    "kind": ("coalesce(r.complaint_kind_id::text, '')", "''", ""),
    "risk": ("coalesce(r.risk_band_id::text, '')", "''", ""),
    "category": ("coalesce(r.category_id::text, '')", "''", ""),
    "complaint": (
        "coalesce(r.subject_area_id::text, '')",
        "coalesce(r.complaint_kind_id::text, '')",
        "WHERE r.type = 'complaint'",
    ),
    "acted": (
        "coalesce(r.category_id::text, '')",
        "''",
        "WHERE r.type = 'deviation' AND EXISTS (SELECT 1 FROM cases_action a WHERE a.report_id = r.id)",
    ),
    "breach": (
        "CASE WHEN EXISTS (SELECT 1 FROM cases_regulatornotification x WHERE x.report_id = r.id AND x.regulator = 'imy') "
        "THEN coalesce(nullif((SELECT x.outcome FROM cases_regulatornotification x WHERE x.report_id = r.id "
        "AND x.regulator = 'imy' LIMIT 1), ''), 'awaiting') "
        "WHEN EXISTS (SELECT 1 FROM cases_delegationdecision d WHERE d.report_id = r.id AND d.kind = 'not_notify_imy') "
        "THEN 'not_notified' ELSE 'undecided' END",
        "''",
        "WHERE r.type = 'data_breach'",
    ),
}
RELATED_DIMENSIONS = {
    "mark": ("cases_report_categories", "t.term_id::text"),
    "persons": ("cases_affectedperson", "''"),
    "action": ("cases_action", "t.status"),
}


def fill_aggregates():
    from django.conf import settings
    from django.db import connection, transaction

    month = MONTH.format(zone=settings.TIME_ZONE)
    columns = "month, type, unit_id, namnd_id, dimension, key, key2, n"
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM cases_monthlycount")
        for dimension, (key, key2, where) in ROW_DIMENSIONS.items():
            c.execute(
                f"INSERT INTO cases_monthlycount ({columns}) SELECT {month}, r.type, r.unit_id, r.namnd_id, "
                f"'{dimension}', {key}, {key2}, sum(r.event_count) FROM cases_report r {where} "
                "GROUP BY 1, 2, 3, 4, 6, 7"
            )
        for dimension, (table, key) in RELATED_DIMENSIONS.items():
            c.execute(
                f"INSERT INTO cases_monthlycount ({columns}) SELECT {month}, r.type, r.unit_id, r.namnd_id, "
                f"'{dimension}', {key}, '', count(*) FROM {table} t JOIN cases_report r ON r.id = t.report_id "
                f"GROUP BY 1, 2, 3, 4, 6"
            )
        c.execute("SELECT count(*) FROM cases_monthlycount")
        cells = c.fetchone()[0]
    with connection.cursor() as c:
        c.execute("ANALYZE cases_monthlycount")
    return cells, time.perf_counter() - started


def rebuild_aggregates():
    """The monthly counts by the rebuild the migration and ``manage.py aggregates --rebuild`` run."""
    from django.db import connection

    from reporting.services.aggregates import rebuild

    started = time.perf_counter()
    cells = rebuild()
    with connection.cursor() as c:
        c.execute("ANALYZE cases_monthlycount")
    return cells, time.perf_counter() - started


def timed(function, repeats=REPEATS):
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "max_s": max(seconds),
        "runs": repeats,
    }


def measure(boards, pdf=True):
    from django.contrib.auth import get_user_model

    from cases.models import OrgUnit, Report
    from reporting.selectors.compilation import board_compilation, year_scope
    from reporting.selectors.statistics import statistics as count
    from reporting.selectors.tables import Scope
    from reporting.services import drafts, exports

    User = get_user_model()
    leader, sas = User.objects.get(username="bench-leader"), User.objects.get(username="bench-sas")
    board = OrgUnit.objects.get(kind="namnd", name="Nämnd 1")
    last_year = FIRST_DAY.year + DAYS // 365 - 1
    tertial = Scope(board, datetime.date(last_year, 5, 1), datetime.date(last_year, 8, 31), public=True)
    year = year_scope(board, last_year, public=True)
    internal = year_scope(board, last_year, public=False)
    # Cases generated past the services have no stored anonymised summary until the
    # migration or drafts.fill makes them (the migration does it when it runs on a kept
    # database): made here for what the internal compilation reads, and timed.
    started = time.perf_counter()
    stored = drafts.fill(namnd=board, closed_at__gte=internal.bounds[0], closed_at__lt=internal.bounds[1])
    fill_s = time.perf_counter() - started
    everything = dict(start=FIRST_DAY, end=FIRST_DAY + datetime.timedelta(days=DAYS))
    results = {
        "cases": Report.objects.count(),
        "cases_in_board": Report.objects.filter(namnd=board).count(),
        "compilation_tertial": timed(lambda: board_compilation(tertial)),
        "compilation_year": timed(lambda: board_compilation(year)),
        "summary_drafts_stored_for_the_year": stored,
        "summary_drafts_fill_s": fill_s,
        "compilation_year_internal": timed(lambda: board_compilation(internal)),
        "compilation_year_pdf": timed(lambda: exports.render(board_compilation(year), "pdf"), repeats=3)
        if pdf
        else None,
        "statistics_all_by_type_per_month_leadership": timed(
            lambda: count(leader, by="type", period="month", **everything), repeats=3
        ),
        "statistics_all_by_category_per_year_leadership": timed(
            lambda: count(leader, by="category", period="year", **everything), repeats=3
        ),
        "statistics_board_by_unit_per_tertial_sas": timed(
            lambda: count(sas, by="unit", period="tertial", **everything), repeats=3
        ),
    }
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--boards", type=int, default=4)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", default=BENCH_DB, help="the PostgreSQL database to (re)create and use")
    parser.add_argument("--check", action="store_true", help="compare the monthly counts with a fresh count")
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the monthly counts with manage.py aggregates' rebuild (slower) instead of SQL",
    )
    parser.add_argument(
        "--pdf", action=argparse.BooleanOptionalAction, default=True, help="time the PDF too (default: yes)"
    )
    parser.add_argument("--refill", action="store_true", help="build the monthly counts again with --keep")
    args = parser.parse_args()
    url, fresh = database(args.keep, args.cases, args.database)
    setup_django(url)
    generation_s = generate(args.cases, args.boards) if fresh else None
    from reporting.models import MonthlyCount

    build = rebuild_aggregates if args.rebuild else fill_aggregates
    cells, rebuild_s = build() if fresh or args.refill or not MonthlyCount.objects.exists() else (None, None)
    if args.check:
        from reporting.services.aggregates import drift

        differences = drift()
        assert not differences, f"{len(differences)} cells differ from a fresh count, e.g. {differences[:3]}"
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(url),
        "load_average": list(os.getloadavg()),
        "boards": args.boards,
        "generation_s": generation_s,
        "aggregates_build": "rebuild" if args.rebuild else "sql",
        "aggregates_build_s": rebuild_s,
        "aggregate_cells": cells,
        "aggregates_checked": args.check,
        **measure(args.boards, pdf=args.pdf),
    }
    results["load_average_after"] = list(os.getloadavg())
    statistics_s = max(
        results[key]["median_s"]
        for key in (
            "statistics_all_by_type_per_month_leadership",
            "statistics_all_by_category_per_year_leadership",
            "statistics_board_by_unit_per_tertial_sas",
        )
    )
    results["goals"] = {
        "compilation_year_le_1s": results["compilation_year"]["median_s"] <= GOAL_COMPILATION_S,
        "compilation_year_internal_le_1s": results["compilation_year_internal"]["median_s"]
        <= GOAL_COMPILATION_S,
        "statistics_le_0_5s": statistics_s <= GOAL_STATISTICS_S,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"compilations-{args.cases}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
