"""The foundation: the database (engines, sessions, the writer queue of SQLite), the clock,
rate-limit storage and schema migrations."""
