"""Reading a queued notice as its recipient would over SMS or e-mail: the
outbox keeps a key and parameters, the text is made at send time."""
from routing.services.customer_messages import render


def text_of(app, message) -> str:
    with app.app_context():
        return render(message, app.config["PUBLIC_URL"]).body


def subject_of(app, message) -> str | None:
    with app.app_context():
        return render(message, app.config["PUBLIC_URL"]).subject
