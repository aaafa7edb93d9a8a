import pytest


@pytest.fixture
def coordinator(make):
    return make.coordinator()


@pytest.fixture
def office(signed_in, coordinator):
    """A Browser signed in as a coordinator."""
    return signed_in(coordinator)
