"""Scoring's services: metrics as SQL aggregates, scorecards from them, what staff enter,
and who may see and enter scores."""
