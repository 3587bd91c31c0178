"""The content-security policy (docs/operations.md): every kind of page, ours and the ones
third-party packages render (the admin, the API documentation, the browsable API), carries
the strict policy, and its HTML holds nothing the policy would refuse: no inline script, no
event-handler attribute, no javascript: URL, no inline style."""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def policy_of(response):
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


class InlineCode(HTMLParser):
    """What in a page's HTML a policy without 'unsafe-inline' has to refuse."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.urls, self.style_blocks, self.style_attributes = [], [], [], [], []
        self._in_inline = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.urls.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.style_attributes.append(value or "")
        if tag == "script" and not attributes.get("src") and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self._in_inline = self.scripts
        if tag == "style":
            self._in_inline = self.style_blocks

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            if self._in_inline is not None:
                self._in_inline.append(tag)
            self._in_inline = None


def assert_runs_under_the_policy(response, status=200):
    assert response.status_code == status, response.status_code
    policy = policy_of(response)
    for directive, sources in STRICT.items():
        assert policy.get(directive) == sources, (directive, policy.get(directive))
    found = InlineCode()
    found.feed(response.content.decode())
    assert not found.scripts, "inline <script> on the page"
    assert not found.handlers, found.handlers
    assert not found.urls, found.urls
    assert not found.style_blocks, "inline <style> on the page"
    assert not found.style_attributes, found.style_attributes


@pytest.fixture
def as_user(client, cast):
    def login(name):
        client.force_login(cast[name])
        return client

    return login


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("operator", "operator@kommun.example", "x")


@pytest.mark.parametrize(
    "path", ["/", "/feedback/", "/feedback/status/", "/accounts/login/", "/accounts/password_reset/"]
)
def test_public_pages_run_under_the_policy(client, path):
    assert_runs_under_the_policy(client.get(path))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("reporter", "/"),
        ("reporter", "/report/"),
        ("reporter", "/report/deviation/"),
        ("reporter", "/report/lex_sarah/"),
        ("reporter", "/report/data_breach/"),
        ("reporter", "/report/complaint/"),
        ("reporter", "/my-reports/"),
        ("reporter", "/notifications/"),
        ("manager_a", "/inbox/"),
        ("manager_a", "/actions/"),
        ("sas", "/statistics/"),
        ("sas", "/compilations/"),
        ("leadership", "/statistics/"),
    ],
)
def test_the_pages_of_each_kind_run_under_the_policy(as_user, cast, path, name):
    assert_runs_under_the_policy(as_user(name).get(path))


def test_a_case_page_and_its_forms_run_under_the_policy(as_user, cast, org):
    deviation = factories.file("deviation", cast["reporter"], org.unit_a)
    client = as_user("manager_a")
    for path in (
        f"/cases/{deviation.pk}/",
        f"/cases/{deviation.pk}/do/assess/",
        f"/cases/{deviation.pk}/persons/",
    ):
        assert_runs_under_the_policy(client.get(path))
    breach = factories.file("data_breach", cast["reporter"], org.unit_a)
    client = as_user("dso")
    for path in (f"/cases/{breach.pk}/", f"/cases/{breach.pk}/do/assess/"):
        assert_runs_under_the_policy(client.get(path))


def test_every_admin_list_and_add_form_runs_under_the_policy(client, operator, cast):
    client.force_login(operator)
    assert_runs_under_the_policy(client.get(reverse("admin:index")))
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        assert_runs_under_the_policy(client.get(reverse("admin:%s_%s_changelist" % info)))
        if model_admin.has_add_permission(type("R", (), {"user": operator})()):
            assert_runs_under_the_policy(client.get(reverse("admin:%s_%s_add" % info)))
    assert_runs_under_the_policy(client.get(reverse("admin:cases_user_change", args=[cast["sas"].pk])))


def test_the_api_documentation_runs_under_the_policy(as_user):
    client = as_user("sas")
    page = client.get("/api/v1/docs/")
    assert_runs_under_the_policy(page)
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert 'src="/api/v1/docs/?script="' in page.content.decode()


def test_the_browsable_api_runs_under_the_policy(as_user, cast, org):
    deviation = factories.file("deviation", cast["reporter"], org.unit_a)
    client = as_user("sas")
    for path in ("/api/v1/reports/", f"/api/v1/reports/{deviation.pk}/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response["Content-Type"].startswith("text/html")
        assert_runs_under_the_policy(response)


def test_error_pages_run_under_the_policy_too(as_user, client):
    assert_runs_under_the_policy(as_user("outsider").get("/cases/999999/"), status=404)
    assert_runs_under_the_policy(client.get("/no-such-page/"), status=404)
