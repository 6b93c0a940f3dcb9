"""The edge and application shell: customer pages, SMS, the JSON API, the
demo, and the app factory (intake.shell.factory), the composition root.

`create_app` is resolved on first use, so that importing a part of intake
(the command line, a service) does not build the whole web app."""
from __future__ import annotations


def __getattr__(name: str):
    if name == "create_app":  # gunicorn 'intake:create_app()'
        from intake.shell.factory import create_app

        return create_app
    raise AttributeError(f"module 'intake' has no attribute {name!r}")
