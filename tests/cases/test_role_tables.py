"""The tables of who may do what (role → permission) are kept in one module, cases.access: the
code is read with ``ast`` for module-level sets and dicts of roles anywhere else."""

import ast
import pathlib

from cases import access

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("cases", "workflows", "notifications", "identity")
HOME = ROOT / "cases" / "access.py"
# Not permissions: the demo's people and the roles they are given.
NOT_TABLES = {ROOT / "cases" / "management" / "commands" / "seed_demo.py"}


def _names_roles(node):
    """Whether the expression names a role (``Role.X``)."""
    return any(
        isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Role"
        for n in ast.walk(node)
    )


def _is_table(value):
    if isinstance(value, (ast.Set, ast.Dict, ast.SetComp, ast.DictComp)):
        return True
    return isinstance(value, ast.Call) and getattr(value.func, "id", None) in ("set", "frozenset", "dict")


def _role_tables(path):
    tree = ast.parse(path.read_text(), str(path))
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            if _is_table(node.value) and _names_roles(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                yield ", ".join(ast.unparse(t) for t in targets), node.lineno


def test_role_tables_live_in_cases_access_only():
    elsewhere = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != HOME and path not in NOT_TABLES and "migrations" not in path.parts
        for name, line in _role_tables(path)
    ]
    assert elsewhere == []


def test_cases_access_holds_the_tables():
    found = {name for name, _line in _role_tables(HOME)}
    assert {
        "VIEW_ROLES",
        "HANDLER_ROLES",
        "NOTIFICATION_ROLES",
        "OVERDUE_ROLES",
        "AGGREGATE_ROLES",
        "STATISTICS_ROLES",
        "CLOCK_ACTORS",
    } <= found
    assert access.AGGREGATE_ROLES.keys() == access.VIEW_ROLES.keys()
