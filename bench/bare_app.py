"""The yardsticks, served by gunicorn exactly like the platform: a bare
Flask endpoint that reads a form and redirects (the target is measured
against it), and the same endpoint storing the score with sqlite3 (for
reference: what the write alone costs, without the platform around it)."""
import os
import sqlite3
from datetime import datetime, timezone

from flask import Flask, redirect, request

app = Flask(__name__)
_connection: sqlite3.Connection | None = None  # one per worker, opened after the fork


@app.post("/rate")
def rate():
    score = int(request.form.get("score", "0"))
    return redirect(f"/thanks?score={score}", 303)


def database() -> sqlite3.Connection:
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(os.environ["BENCH_BARE_DB"], isolation_level=None, timeout=30)
        _connection.execute("PRAGMA synchronous=NORMAL")
    return _connection


@app.post("/rate-stored")
def rate_stored():
    score = int(request.form.get("score", "0"))
    db = database()
    db.execute("BEGIN IMMEDIATE")
    rating_id = db.execute("INSERT INTO rating (score, created_at) VALUES (?, ?)",
                           (score, datetime.now(timezone.utc).isoformat())).lastrowid
    db.execute("COMMIT")
    return redirect(f"/thanks/{rating_id}", 303)
