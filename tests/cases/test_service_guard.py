"""Every public ``do_*`` of ``cases.services`` is one unit of change: it carries the ``service``
decorator (its transaction and the nesting guard), and a public service called inside another
fails (docs/architecture.md, "The domain floor")."""

import importlib
import inspect
import pkgutil

import pytest
from django.db import connection, transaction

import cases.services
from cases.services import guard
from cases.services.exceptions import NestedServiceCall


def public_services():
    found = {}
    for info in pkgutil.iter_modules(cases.services.__path__, "cases.services."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.startswith("do_") and inspect.isfunction(value):
                found[f"{value.__module__}.{name}"] = value
    return found


def test_every_public_service_carries_the_decorator():
    services = public_services()
    assert len(services) >= 25  # all the modules were read
    assert [name for name, function in services.items() if not getattr(function, "is_service", False)] == []


def test_every_public_service_is_exported_by_the_package():
    assert {function.__name__ for function in public_services().values()} <= set(cases.services.__all__)


@guard.service
def do_outer_for_test(inner):
    return inner()


@guard.service
def do_inner_for_test():
    return guard.running()


@pytest.mark.django_db
def test_a_public_service_called_inside_another_fails():
    with pytest.raises(NestedServiceCall, match="do_inner_for_test was called inside .*do_outer_for_test"):
        do_outer_for_test(do_inner_for_test)
    assert guard.running() is None  # the mark is cleared, also when the service fails


@pytest.mark.django_db
def test_services_one_after_the_other_and_inside_the_requests_transaction_are_allowed():
    with transaction.atomic():  # the request's transaction (cases.request_transactions)
        assert do_inner_for_test().endswith("do_inner_for_test")
        assert do_inner_for_test().endswith("do_inner_for_test")
        assert connection.in_atomic_block
    assert guard.running() is None


@pytest.mark.django_db(transaction=True)
def test_what_runs_on_commit_runs_after_the_service_has_ended():
    seen = []

    @guard.service
    def do_commit_for_test():
        transaction.on_commit(lambda: seen.append(guard.running()))

    do_commit_for_test()
    assert seen == [None]
