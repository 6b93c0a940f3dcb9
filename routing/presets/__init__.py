"""Preset data files (TOML) shipped with the package: calendars, time-limit policies."""
from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any


def read_preset(filename: str) -> dict[str, Any]:
    """Parse one preset file; importlib.resources finds it inside an installed wheel too."""
    return tomllib.loads(resources.files(__name__).joinpath(filename).read_text(encoding="utf-8"))
