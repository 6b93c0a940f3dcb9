"""The scheme engine, pure and split by what it computes: inputs, schemes, scorecards,
explanations, rules across months, rankings, branches; and periods."""
