"""The counts and sums ("tallies") each data source yields, by name: what the
metrics are computed from and what the daily roll-ups keep."""
from __future__ import annotations

SATISFIED_AT_LEAST = 4  # a rating of 4 or 5 counts as satisfied
DIMENSIONS = ("attitude", "skill", "timeliness", "promises")  # RULES 4
SUBJECT_KINDS = ("unit", "staff")

# The counts and sums each source yields, by name ("tallies").
SOURCE_TALLIES: dict[str, tuple[str, ...]] = {
    "ratings": ("rated", "satisfied", "score_sum", *(f"score_{n}" for n in range(1, 6)),
                *(f"{d}_{part}" for d in DIMENSIONS for part in ("sum", "n"))),
    "services": ("services",),
    "cases": ("cases", "complaints", "valid_complaints", "major_complaints", "resolved", "reopened",
              "repeat_complaints", "first_response_due", "first_response_on_time", "resolution_due",
              "resolution_on_time", "overdue"),
    "callbacks": ("callbacks_due", "callbacks_done", "callbacks_missed"),
}
TALLY_SOURCE = {tally: source for source, names in SOURCE_TALLIES.items() for tally in names}
