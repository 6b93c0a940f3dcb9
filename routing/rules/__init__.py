"""Pure rules: calendars and time limits, policy matching, the escalation ladder, callbacks'
windows, countdowns, the access policy and privacy. No Flask, no database, no clock of
their own: they take `now` and plain values."""
