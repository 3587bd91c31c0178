"""The crawl: every member of the cast, a superuser and an anonymous visitor sign in and follow
every same-origin link and GET form reachable from the start page, the inbox, their reports,
their cases and (staff) /admin/, in Swedish and then in English (tests/crawl/crawler.py bounds
it by variant). It fails on any server error; on any case, task or export URL seen by anyone
that does not answer 404 to every user out of whose scope it is (``cases.selectors``); and on
any named URL pattern that takes GET and was never reached, unless listed below with the
reason why no link leads there. docs/ui.md says how to run it and what it guarantees.
"""

import time
from collections import defaultdict

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Task

from cases.models import Report
from cases.selectors import visible_reports
from identity.urls import NOT_CRAWLED
from reporting.models import ExportJob
from tests.cast import PASSWORD
from tests.crawl import world
from tests.crawl.crawler import CASE_ARGUMENTS, Crawler
from workflows.selectors import visible_tasks

pytestmark = pytest.mark.django_db

LANGUAGES = ["sv", "en"]
# Named URL patterns that take GET but that no page links to, each with the reason.
UNLINKED = {
    "password_change": "no page links to it: users change passwords through the password reset, staff in the admin",
    "password_reset_done": "reached only after posting the password-reset form",
    "password_reset_confirm": "reached only from the link in the password-reset e-mail",
    "password_reset_complete": "reached only after posting a new password from the e-mail's link",
    "web:public_thanks": "reached only after posting the public form (it shows the receipt code once)",
    "admin:view_on_site": "no admin model has a page on the site (get_absolute_url)",
    "admin:autocomplete": "called by the admin's scripts, not by a link",
    "javascript-catalog": "loaded by <script>, not a link",
    "admin:jsi18n": "loaded by <script>, not a link",
    "set_language": "the header's language switch posts a form; the crawl runs once per language instead",
    "password_change_done": "reached only after posting a new password",
    "quality:chart": "a chart loaded by <img> on the charts page (tests/quality/test_signals.py fetches it as the cast)",
    "quality:analysis_chart": "a chart loaded by <img> on a signal's page (tests/quality/test_signals.py as the cast)",
    "admin:password_change_done": "reached only after posting a new password",
    # Single sign-on's protocol endpoints and the second factor's pages (identity.urls says why).
    **NOT_CRAWLED,
}
# Whole groups of patterns that are not pages.
NOT_PAGES = {
    "api:": "the JSON API: its own tests and the schemathesis run cover every operation as several roles",
    "workflows:task-": "the task API (JSON): tests/workflows/test_tasks_api.py and the schemathesis run",
    "notification-": "the notification API (JSON): tests/notifications and the schemathesis run",
    "health": "the health endpoint for load balancers and monitoring: tests/operations/test_health.py",
    "metrics": "the Prometheus metrics for the scraper: tests/operations/test_metrics.py",
}
# Patterns that answer POST only (checked below: a GET is refused with 405).
POST_ONLY = {
    "api-token",
    "logout",
    "account_logout",
    "admin:logout",
    "web:claim",
    "web:release",
    "notifications:read",
    "notifications:read-all",
}


def named_patterns(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def sign_in(username, lang):
    # Server errors answer as they would in production, so that the crawl reports them all.
    client = Client(HTTP_ACCEPT_LANGUAGE=lang, raise_request_exception=False)
    if username is not None:
        response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, (username, response.status_code)
    return client


@pytest.fixture
def people(cast):
    admin = get_user_model().objects.create_superuser(
        username="superuser", password=PASSWORD, email="superuser@kommun.example"
    )
    return {**cast, "superuser": admin}


def describe_case(view_name, kwargs, cases, tasks):
    """The case page by the case's type and state (each state shows other steps and parts);
    the pages below a case by its type; a task's pages by its step."""
    if "task_id" in kwargs:
        return tasks.get(kwargs["task_id"])
    if "report_id" in kwargs:
        kind = cases.get(kwargs["report_id"])
        return kind if view_name == "web:case" or kind is None else kind[0]
    return None


def seeds(user):
    start = ["/", "/inbox/", "/my-reports/"]
    if user is None:
        return [*start, "/feedback/", "/feedback/status/", "/admin/"]
    start += [f"/cases/{pk}/" for pk in visible_reports(user).order_by("pk").values_list("pk", flat=True)]
    if user.is_staff:
        start.append("/admin/")
    return start


def test_every_page_reachable_by_clicking_answers_and_keeps_cases_in_scope(
    people, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):  # the notifications in the centre
        world.build(people, org)
    started = time.monotonic()
    cases = {pk: (t, s) for pk, t, s in Report.objects.values_list("pk", "type", "state")}
    tasks = {
        pk: f"{node.flow_class.__name__}.{node.name}"
        for pk, node in Task.objects.values_list("pk", "flow_task")
    }
    crawlers = [*people, None]
    failures, reached, case_urls, requests, raw = [], set(), defaultdict(set), 0, []
    for lang in LANGUAGES:
        for name in crawlers:
            user = people.get(name)
            crawler = Crawler(
                sign_in(name and user.username, lang),
                lambda view_name, kwargs: describe_case(view_name, kwargs, cases, tasks),
                check_text=lang == "sv",
            )
            result = crawler.run(seeds(user))
            requests += len(result.visits)
            raw += [(name, v.url, v.raw) for v in result.raw()]
            failures += [
                (lang, name, v.url, v.status, v.error, "from " + v.source) for v in result.failures()
            ]
            reached |= result.view_names()
            for visit in result.visits:
                for argument in CASE_ARGUMENTS:
                    if argument in visit.kwargs:
                        case_urls[(argument, visit.kwargs[argument])].add(visit.url)
    crawl_seconds = time.monotonic() - started

    started = time.monotonic()
    leaks, scope_requests = scope_check(people, case_urls)
    print(
        f"\ncrawl: {requests} requests in {crawl_seconds:.1f} s; scope check: {scope_requests} requests in "
        f"{time.monotonic() - started:.1f} s; {len(reached)} URL patterns reached"
    )
    assert failures == [], failures
    assert leaks == [], leaks
    # Every value a person reads on a Swedish page is a label and every time a Swedish date.
    assert raw == [], raw
    left_out = set(UNLINKED) | POST_ONLY | set(refused_by_the_admin(people["superuser"]))
    missing = sorted(
        name for name in set(named_patterns()) - reached - left_out if not name.startswith(tuple(NOT_PAGES))
    )
    assert missing == [], (
        f"URL patterns no crawl reached (link them, or list them in UNLINKED with a reason): {missing}"
    )


def refused_by_the_admin(superuser):
    """The admin's add and delete pages of models whose admin offers neither (the pages exist
    for every model, but no link leads to them: e.g. users are deactivated, never deleted)."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    refused = {}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if not model_admin.has_add_permission(request):
            refused[prefix + "add"] = "the admin offers no adding"
        if not model_admin.has_delete_permission(request):
            refused[prefix + "delete"] = "the admin offers no deleting"
    return refused


def scope_check(people, case_urls):
    """Every case, task and export URL seen, as every user out of whose scope it is: 404."""
    leaks, requests = [], 0
    clients = {name: sign_in(user.username, "sv") for name, user in people.items()}
    for name, user in people.items():
        visible = {
            "report_id": set(visible_reports(user).values_list("pk", flat=True)),
            "task_id": set(visible_tasks(user).values_list("pk", flat=True)),
            "job_id": set(ExportJob.objects.filter(requested_by=user).values_list("pk", flat=True)),
        }
        for (argument, value), urls in case_urls.items():
            if value in visible[argument]:
                continue
            for url in sorted(urls):
                status = clients[name].get(url).status_code
                requests += 1
                if status != 404:
                    leaks.append((name, url, status))
    return leaks, requests


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_the_patterns_left_out_as_post_only_refuse_get(name, cast):
    from django.urls import reverse

    client = Client()
    cast["sas"].is_staff = True  # the admin's own pages answer staff only
    cast["sas"].save(update_fields=["is_staff"])
    client.force_login(cast["sas"])
    args = [1] if name in ("web:claim", "web:release", "notifications:read") else []
    assert client.get(reverse(name, args=args)).status_code == 405


@pytest.mark.parametrize(
    "html, found",
    [
        (
            "<select><option>InvestigationEntry object (69)</option></select>",
            ["InvestigationEntry object (69)"],
        ),
        ("<li>2026-12-07T22:36:56+00:00 task.assigned</li>", ["2026-12-07T22:36", "task.assigned"]),
        (
            "<td>pataglig_risk_for_allvarligt_missforhallande</td>",
            ["pataglig_risk_for_allvarligt_missforhallande"],
        ),
        (
            '<p title="clock.overdue">Tidsfristen har passerat 7 dec. 2026</p><script>x.task_waits_here</script>',
            [],
        ),
        ("<p>manager_a_x@kommun.example</p>", []),
    ],
)
def test_the_raw_code_detector_finds_what_a_person_must_not_read(html, found):
    from tests.crawl.crawler import raw_codes

    assert raw_codes(html) == found
