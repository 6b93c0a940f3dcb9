"""Fixtures of the SMS tests: an app speaking Chinese from a small catalogue
of its own, and an outlet to serve customers at."""
import pytest

from support.sms import chinese_catalogue


@pytest.fixture
def app_config(app_config, tmp_path):
    """The conftest app, speaking Chinese from CHINESE."""
    with chinese_catalogue(tmp_path / "translations") as translations:
        yield {**app_config, "BABEL_TRANSLATION_DIRECTORIES": translations}


@pytest.fixture
def outlet(make):
    return make.unit(name="Pudong Outlet")
