"""Fixtures of the SMS tests: an outlet to serve customers at."""
import pytest


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")
