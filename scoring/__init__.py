"""Scoring: what intake and routing recorded, turned into the organisations'
own scorecards (RULES 5-7).

periods and engine are pure (periods of the organisation's calendar; schemes
as data files under schemes/, scored with every point explained); models
holds what supervisors enter; metrics counts in SQL; scorecards feeds the
engine from the records; access, exports, report, cli and api serve them.
"""
