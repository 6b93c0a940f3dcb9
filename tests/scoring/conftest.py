"""Fixtures of scoring's tests: records written straight to the tables, and
a small unit tree to write them for."""
import pytest

from support.records import Records, build_tree


@pytest.fixture
def rec(session) -> Records:
    return Records(session)


@pytest.fixture
def tree(rec) -> dict:
    """A company, a branch and its two outlets O1 and O2."""
    return build_tree(rec)
