"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never a downloaded browser: Chromium comes from the system package (``make test`` installs it
with apt when it can). Without it these tests skip with a loud reason, and under
CI_REQUIRE_ALL=1 (.ci/run) they fail instead, so that CI cannot pass without them.
"""

import importlib
import json
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every violation of the content-security policy, as the page itself sees it, told on the
# console where the test collects it (beside Chromium's own "Refused to ..." console errors).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile}:${e.lineNumber}`);
});
"""

pytestmark = pytest.mark.browser


def _unavailable(reason):
    if os.environ.get("CI_REQUIRE_ALL") == "1":
        pytest.fail(f"BROWSER TESTS CANNOT RUN: {reason} (CI_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Playwright's sync API keeps an event loop running in the test's thread while the browser
    is open; the ORM calls the tests make between browser steps are still plain synchronous
    calls, so Django's async guard is lifted while it is open, and only then (set for the whole
    session it leaks into other tests' subprocesses: `manage.py check --deploy` refuses it).
    The test database exists before the loop starts."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launched()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launched():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM}; install Debian's package: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (make venv)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _seeding_migrations(app_label):
    """The data migrations of an app that seed rows with a ``seed(apps, schema_editor)``, in order."""
    folder = Path(apps.get_app_config(app_label).path) / "migrations"
    modules = [
        importlib.import_module(f"{app_label}.migrations.{path.stem}")
        for path in sorted(folder.glob("[0-9]*.py"))
    ]
    return [module for module in modules if callable(getattr(module, "seed", None))]


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test's flush empties the tables the data migrations seeded: the
    reference data (cases 0003) and the notification rules (every notifications migration with
    a ``seed``), without which no one would be notified in the browser; seed them again."""
    from cases.models import Term
    from notifications.models import NotificationRule

    if not Term.objects.exists():
        importlib.import_module("cases.migrations.0003_seed_reference_data").seed(apps, None)
    if not NotificationRule.objects.exists():
        for module in _seeding_migrations("notifications"):
            module.seed(apps, None)
    cache.clear()


@pytest.fixture
def e2e_cast(reference_data):
    from tests.cast import build_cast, build_org

    org = build_org()
    return org, build_cast(org)


class Browse:
    """One user's browser context in one language, with the page checks every step makes."""

    def __init__(self, browser, base_url, language, viewport, shots):
        self.context = browser.new_context(viewport=viewport, locale="sv-SE" if language == "sv" else "en-GB")
        self.context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        # Scripts the test brings (axe, the violation listener) come through the browser's
        # own channel, which the page's content-security policy does not govern; a <script>
        # tag added to the page would itself be a violation.
        self.context.add_init_script(path=str(AXE))
        self.context.add_init_script(REPORT_CSP_VIOLATIONS)
        self.csp_violations = []
        self.context.on("console", self._console)
        self.page = self.context.new_page()
        self.base_url = base_url
        self.language = language
        self.shots = shots
        self.checked = []

    def _console(self, message):
        text = message.text
        if message.type == "error" and ("CSP violation" in text or "Content Security Policy" in text):
            self.csp_violations.append(f"{message.page.url if message.page else '?'}: {text}")

    def assert_no_csp_violations(self):
        assert not self.csp_violations, "content-security policy violated:\n" + "\n".join(self.csp_violations)

    def go(self, path):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username, password):
        self.go("/accounts/login/")
        self.axe("login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("main button[type=submit]")
        return self.page

    def axe(self, label):
        """Zero WCAG 2.1 A/AA violations on the page as it is now, and none of the
        content-security policy so far."""
        self.assert_no_csp_violations()
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]
        assert not violations, f"axe on {label} ({self.language}, {self.page.url}):\n" + json.dumps(
            violations, indent=1
        )
        self.checked.append(label)

    def screenshot(self, name):
        """The page at desktop and phone width, for the README (Swedish runs only)."""
        if not self.shots:
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        current = self.page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(current)

    def close(self):
        self.context.close()


@pytest.fixture
def browse(browser, live_server, request):
    opened = []
    language = getattr(request, "param", "sv")

    def open_as(viewport=DESKTOP, language=language):
        session = Browse(browser, live_server.url, language, viewport, shots=language == "sv")
        opened.append(session)
        return session

    yield open_as
    for session in opened:
        session.close()
    for session in opened:
        session.assert_no_csp_violations()


def local_input(moment):
    """A datetime as a datetime-local input takes it, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
