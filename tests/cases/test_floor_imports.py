"""The domain floor stays a floor (docs/architecture.md, "The domain floor"): no module of
``cases.models``, ``cases.services``, ``cases.access``, ``cases.selectors``, ``cases.audit``,
``cases.events`` or ``lib`` imports from the apps above it, neither at module level nor inside a
function, nor through ``importlib.import_module`` / ``import_string`` with a literal name. The
calls upward go through the hooks of ``cases.events``.

The walk reads every import statement with ``ast``; the tests below the real one feed it
snippets, so that it is seen to fail on each kind of import it claims to catch."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOOR_PACKAGES = ["cases/models", "cases/services", "lib"]
FLOOR_MODULES = ["cases/access.py", "cases/selectors.py", "cases/audit.py", "cases/events.py"]
FORBIDDEN = (
    "workflows",
    "notifications",
    "reporting",
    "cases.compilations",
    "cases.api",
    "cases.web",
    "cases.documents",
)
DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


def floor_files():
    files = [ROOT / path for path in FLOOR_MODULES]
    for package in FLOOR_PACKAGES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_forbidden(name):
    return any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)


def _absolute(node, module, is_package):
    """The module a ``from … import`` names, relative imports resolved against ``module``."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_names(source, module="floor_module", is_package=False):
    """Every (line, module name) an import in ``source`` may load, wherever it stands. For
    ``from a import b`` both ``a`` and ``a.b`` (``b`` may be a submodule)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in DYNAMIC_IMPORTERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append((node.lineno, first.value))
    return found


def forbidden_imports(source, module="floor_module", is_package=False):
    return sorted(
        {(line, name) for line, name in imported_names(source, module, is_package) if _is_forbidden(name)}
    )


def test_the_floor_imports_nothing_from_above_it():
    offences = []
    for path in floor_files():
        source = path.read_text(encoding="utf-8")
        for line, name in forbidden_imports(source, module_name(path), path.name == "__init__.py"):
            offences.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert offences == []


def test_lib_imports_none_of_the_apps():
    """``lib/`` holds pure helpers: the floor may import them, they import no app at all."""
    apps = ("cases", "workflows", "notifications", "identity", "reporting", "config")
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / "lib").rglob("*.py"))
        for line, name in imported_names(path.read_text(encoding="utf-8"), module_name(path))
        if any(name == app or name.startswith(app + ".") for app in apps)
    ]
    assert offences == []


def test_the_walk_covers_the_whole_floor():
    names = {module_name(path) for path in floor_files()}
    assert {
        "cases.models",
        "cases.models.lifecycles",
        "cases.services",
        "cases.services.reports",
        "cases.services.summaries",
        "cases.access",
        "cases.selectors",
        "cases.audit",
        "cases.events",
        "lib.redaction",
    } <= names


@pytest.mark.parametrize(
    "source",
    [
        "import workflows",
        "import workflows.bridge as bridge",
        "from notifications.rules import handle_case_event",
        "from cases import compilations",
        "from cases.compilations.aggregates import recount",
        "from cases import documents",
        "from cases.api import serializers",
        "import cases.web.case",
        "from reporting.models import Thing",
        "def later():\n    from workflows import bridge\n    return bridge",
        "class A:\n    def m(self):\n        import notifications\n",
        "import importlib\nmod = importlib.import_module('workflows.services')",
        "from importlib import import_module\nmod = import_module('cases.documents')",
        "from django.utils.module_loading import import_string\nf = import_string('cases.compilations.aggregates.recount')",
        "mod = __import__('notifications')",
    ],
)
def test_the_walk_finds_each_kind_of_forbidden_import(source):
    assert forbidden_imports(source)


def test_a_relative_import_is_resolved_before_it_is_judged():
    assert forbidden_imports("from ..compilations import aggregates", module="cases.services.reports")
    assert forbidden_imports("from . import documents", module="cases.audit")
    assert forbidden_imports("from .web import case", module="cases", is_package=True)
    assert not forbidden_imports("from .base import load_report", module="cases.services.reports")


@pytest.mark.parametrize(
    "source",
    [
        "from cases import audit, events",
        "from cases.models import Report",
        "from lib.redaction import redact",
        "import workflowsmith",
        "from cases.compilationsx import y",
        "import importlib\nmod = importlib.import_module(name)",
    ],
)
def test_the_walk_lets_the_floor_import_the_floor(source):
    assert not forbidden_imports(source)
