"""The `feedback` command. `feedback tick` runs every minute from cron or a
timer, so it starts lean (intake.shell.tick_command: no web app, no web
layers); every other command loads the full command line (intake.shell.cli).
The two imports below are the only ones made inside a function, by design:
this is the boundary where the command line chooses what to load
(tests/test_architecture.py, LAZY)."""
from __future__ import annotations

import atexit
import gc
import os
import sys
import threading


def main() -> None:
    if sys.argv[1:2] == ["tick"]:
        # The collector would walk the 700 modules' objects again and again
        # while they load (a tenth of a second of a tick): it is off while
        # they load, and they, kept for the whole process, stay out of its
        # later passes (freeze). The tick's own garbage is collected as ever.
        gc.disable()
        from intake.shell.tick_command import tick

        gc.freeze()
        gc.enable()
        try:
            tick.main(args=sys.argv[2:], prog_name="feedback tick")
        except SystemExit as done:
            if done.code in (0, None):
                leave_at_once()
            raise
        return
    from intake.shell.cli import main as full

    full()


def leave_at_once() -> None:
    """End a tick that went well without tearing the interpreter down: freeing
    its 700 modules one by one takes 0.03-0.08 s of CPU (a tenth of the tick;
    a quarter of a second when it loaded every SMS SDK). Nothing is lost: the
    jobs have committed and the tick has closed its connections; the output
    is flushed and the exit handlers run (logging's flush among them). Should a thread still be running, the exit
    is the ordinary one, which waits for it; so it is under a profiler or a
    tracer (`python -m cProfile`), which writes its report after the command."""
    if threading.active_count() > 1 or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    sys.stdout.flush()  # should this fail, the ordinary exit reports it
    atexit._run_exitfuncs()  # what an ordinary exit would run (logging.shutdown ...)
    sys.stderr.flush()
    os._exit(0)
