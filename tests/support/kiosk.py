"""A counter evaluator for tests: outlet A's counter touchpoint, rating its
teller, switched to kiosk mode."""
from __future__ import annotations

from intake.services.kiosk import enable_kiosk


def counter_evaluator(make, session, clock, bank):
    """(touchpoint, device) at bank.counter_a, rating bank.handler_a."""
    touchpoint = make.touchpoint(bank.counter_a, bank.handler_a, label="Counter 1 evaluator")
    device = enable_kiosk(session, touchpoint, clock.now())
    session.commit()
    return touchpoint, device
