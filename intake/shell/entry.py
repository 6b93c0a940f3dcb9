"""The `feedback` command. `feedback tick` runs every minute from cron or a
timer, so it starts lean (intake.shell.tick_command: no web app, no web
layers); every other command loads the full command line (intake.shell.cli).
The two imports below are the only ones made inside a function, by design:
this is the boundary where the command line chooses what to load
(tests/test_architecture.py, LAZY)."""
from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["tick"]:
        from intake.shell.tick_command import tick

        tick.main(args=sys.argv[2:], prog_name="feedback tick")
        return
    from intake.shell.cli import main as full

    full()
