import pytest

from tests import factories


@pytest.fixture
def login(client, cast):
    def as_user(name):
        client.force_login(cast[name])
        return client

    return as_user


@pytest.fixture
def deviation(cast, org):
    return factories.file("deviation", cast["reporter"], org.unit_a)


@pytest.fixture
def breach(cast, org):
    return factories.file("data_breach", cast["reporter"], org.unit_a)
