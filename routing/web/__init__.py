"""The handlers' pages and forms, and the Flask glue the packages share (the request's
session, the clock, role checks, extensions)."""
