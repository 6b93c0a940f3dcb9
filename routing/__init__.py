"""The core domain: the organisation, cases and their timeline, time limits and calendars,
escalation, callbacks and the tick, and the handlers' pages. Routing imports neither intake
nor scoring."""
