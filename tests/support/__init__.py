"""Helpers the tests share: factories, fakes at the network edge, builders
of test organisations. Plain code; the fixtures live in each folder's
conftest.py."""
from pathlib import Path

# The checkout: subprocesses run from here, as `feedback` would.
ROOT = Path(__file__).resolve().parents[2]
