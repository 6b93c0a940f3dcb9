"""`feedback demo`: the demo organisation's data and its loader."""
