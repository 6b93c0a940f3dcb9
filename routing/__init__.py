"""The core domain: organisation, cases, time limits, escalation, callbacks, the tick."""
