"""Every import of the project's own modules resolves, including imports inside function bodies,
which run only when their function does: a module moved or renamed (the rooms of issue 21) must
leave no import of its old path behind, even on a path no other test walks."""

import ast
import importlib.util
import pathlib

import pytest
from django.apps import apps

ROOT = pathlib.Path(__file__).resolve().parents[1]
OWN = sorted(
    {
        pathlib.Path(config.path).relative_to(ROOT).parts[0]
        for config in apps.get_app_configs()
        if pathlib.Path(config.path).is_relative_to(ROOT)
    }
    - {".venv"}
    | {"config", "lib"}
)


def _imports(path):
    """(module, names, line) of every absolute import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, [alias.name for alias in node.names], node.lineno


def _unresolved(path):
    for module, names, line in _imports(path):
        if module.split(".")[0] not in OWN:
            continue
        if importlib.util.find_spec(module) is None:
            yield f"{path.relative_to(ROOT)}:{line} {module}"
            continue
        imported = importlib.import_module(module)
        for name in names:
            # ``from package import module`` names a submodule or an attribute.
            if name == "*" or hasattr(imported, name):
                continue
            if hasattr(imported, "__path__") and importlib.util.find_spec(f"{module}.{name}"):
                continue
            yield f"{path.relative_to(ROOT)}:{line} {module}.{name}"


def _sources():
    for package in [*OWN, "tests", "bench"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_the_walk_covers_the_rooms():
    assert {"cases", "reporting", "records", "identity", "lib", "workflows", "notifications"} <= set(OWN)


@pytest.mark.parametrize("package", [*OWN, "tests", "bench"])
def test_every_import_of_our_own_modules_resolves(package):
    paths = [p for p in _sources() if p.relative_to(ROOT).parts[0] == package]
    assert [line for path in paths for line in _unresolved(path)] == []


def test_the_walk_finds_an_import_inside_a_function(tmp_path):
    source = tmp_path / "moved.py"
    source.write_text("def f():\n    from cases.compilations.exports import csv_delimiter\n")
    assert [module for module, _names, _line in _imports(source)] == ["cases.compilations.exports"]
    assert importlib.util.find_spec("cases.compilations") is None
