"""Where one task completion's CPU goes: a single client completing deviations' ``assess``
steps through the API (in-process test client, ``Prefer: return=minimal``), with the
service's parts timed in process CPU time (docs/performance.md, "Fourth round").

    .venv/bin/python bench/completion_parts.py [--n 600]

Uses DATABASE_URL when it names a PostgreSQL database; otherwise drops and re-creates
``bench_tasks`` on the local server. Each part is timed by wrapping the function the service
calls, so nested parts (indented) are included in their parent; the cyclic garbage
collector's own time is reported apart.
"""

import argparse
import gc
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import database_url, setup_django  # noqa: E402

# (module, function, label): the parts of a completion, in the order they run.
PARTS = [
    ("cases.services.reports", "load_report", "load the case, role grants, investigators"),
    ("cases.models.lifecycles", "named_grants", "  named investigators"),
    ("cases.services.reports", "transition_form", "build the form"),
    ("cases.services.reports", "validated", "validate the form"),
    ("cases.services.reports", "clocks_after", "stop/start clocks"),
    ("workflows.bridge", "after_transition", "workflow step"),
    ("workflows.bridge", "_open_step", "  find the open task"),
    ("workflows.bridge", "complete", "  complete it, activate the next"),
    ("cases.audit", "record", "audit row"),
    ("cases.audit", "_recount", "  monthly counts"),
    ("cases.services.reports", "emit", "events (on commit)"),
]


def timed(spent, label, function):
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started

    return wrapper


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="timed completions (default 600)")
    args = parser.parse_args()
    setup_django(database_url())
    import importlib

    import workload
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from cases.api.views import reports as views
    from cases.services import reports as services

    unit, reporter, manager = workload.build_org(uuid.uuid4().hex[:6])
    ids = workload.file_deviations(args.n + 10, unit, reporter)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    data, minimal = workload.assess_data(), {"HTTP_PREFER": "return=minimal"}

    def complete(report_id):
        response = client.post(
            f"/api/v1/reports/{report_id}/transitions/assess/", data, format="json", **minimal
        )
        assert response.status_code == 204, response.content

    for report_id in ids[:10]:  # the process's caches, the prepared statements
        complete(report_id)
    spent = Counter()
    for module_name, name, label in PARTS:
        module = importlib.import_module(module_name)
        setattr(module, name, timed(spent, label, getattr(module, name)))
    views.services.do_transition = timed(spent, "do_transition (the service call)", services.do_transition)
    collector = {"s": 0.0}

    def on_gc(phase, info):
        if phase == "start":
            collector["started"] = time.process_time()
        else:
            collector["s"] += time.process_time() - collector["started"]

    gc.callbacks.append(on_gc)
    started = time.process_time()
    for report_id in ids[10:]:
        complete(report_id)
    total = time.process_time() - started
    gc.callbacks.remove(on_gc)
    n = args.n
    print(f"{n} completions, CPU per completion (ms), this process only (PostgreSQL's own CPU not included):")
    print(f"  {'the whole request':44} {1000 * total / n:6.2f}")
    for label in ["do_transition (the service call)"] + [label for *_, label in PARTS]:
        print(f"  {label:44} {1000 * spent[label] / n:6.2f}")
    print(f"  {'cyclic garbage collector':44} {1000 * collector['s'] / n:6.2f}")


if __name__ == "__main__":
    main()
