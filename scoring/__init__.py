"""Scoring: what intake and routing recorded, turned into the organisations'
own scorecards (RULES 5-7). The engine is pure (schemes are data files under
schemes/, scored with every point explained); services count in SQL and feed
the engine; reports and web serve the results. Scoring imports routing, never
intake."""
