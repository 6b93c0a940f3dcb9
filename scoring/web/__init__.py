"""The score pages: the dashboard with its drill-down and downloads, and entry."""
