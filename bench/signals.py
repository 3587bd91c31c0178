"""Control charts of every unit × type × category of a board over five years, on PostgreSQL
(docs/signals.md, "Benchmark").

    make bench                      # or:
    .venv/bin/python bench/signals.py [--cases 1000000] [--keep] [--database NAME]

In its own database (``bench_signals``): ``--cases`` cases of one board (50 units, the four
types, the deviation categories) spread over the five years before this month, generated in
SQL by ``bench/compilations.py``'s generator, and their monthly counts built in SQL. Timed: the
charts of the whole board over 60 months (``quality.selectors.charts``: the read of the
monthly counts, the c′ limits and every signal rule, and the clusters), median of 5 runs.
Goal (issue 19): ≤ 1 s. Results go to bench/results/signals.json.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

import compilations  # noqa: E402
from run import RESULTS_DIR, machine, setup_django  # noqa: E402

GOAL_S = 1.0
REPEATS = 5
MONTHS = 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--database", default="bench_signals")
    args = parser.parse_args()
    today = datetime.date.today()
    first = today.replace(day=1, year=today.year - 5)
    # The generator spreads the cases evenly over its days: the five years before this month.
    compilations.FIRST_DAY = first
    compilations.DAYS = (today.replace(day=1) - first).days
    url, fresh = compilations.database(args.keep, args.cases, args.database)
    setup_django(url)
    generation_s = compilations.generate(args.cases, 1) if fresh else None
    cells, build_s = compilations.fill_aggregates() if fresh else (None, None)

    from cases.models import OrgUnit
    from quality.models import SignalSettings
    from quality.selectors import charts, last_whole_month
    from reporting.models import MonthlyCount

    board = OrgUnit.objects.get(kind="namnd", name="Nämnd 1")
    rules = SignalSettings(board=board, chart_months=MONTHS)
    last = last_whole_month(today)
    seconds, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = charts(board, last, rules=rules)
        seconds.append(time.perf_counter() - started)
    months, series, clusters = result
    median = statistics.median(seconds)
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(url),
        "load_average": list(os.getloadavg()),
        "cases": args.cases,
        "generation_s": generation_s,
        "aggregates_build_s": build_s,
        "aggregate_cells": cells or MonthlyCount.objects.count(),
        "months": len(months),
        "series": len(series),
        "counted": int(sum(s.total for s in series)),
        "signals": sum(len(s.signals) for s in series),
        "clusters": len(clusters),
        "charts_s": {"median": round(median, 3), "runs": [round(s, 3) for s in seconds]},
        "goals": {"charts_le_1s": median <= GOAL_S},
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "signals.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
