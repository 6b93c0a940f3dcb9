"""The yardstick: a bare Flask endpoint that reads a form and redirects,
served by gunicorn exactly like the platform."""
from flask import Flask, redirect, request

app = Flask(__name__)


@app.post("/rate")
def rate():
    score = int(request.form.get("score", "0"))
    return redirect(f"/thanks?score={score}", 303)
