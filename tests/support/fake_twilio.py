"""A small fake of Twilio's REST API for tests: the real twilio client,
pointed here with FEEDBACK_TWILIO_API_URL (or intake.twilio_client's
RedirectingHttpClient), sends to it over HTTP on 127.0.0.1.

    with FakeTwilio() as twilio:
        client = make_client("AC...", "token", api_url=twilio.url)
        ...
        assert twilio.messages[0]["To"] == "+8613812345678"

As a pytest fixture:

    @pytest.fixture
    def fake_twilio():
        with FakeTwilio() as server:
            yield server
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


class FakeTwilio:
    """`.url` to send to, `.messages` as received (form fields under Twilio's
    names, such as "To", "From", "Body", "StatusCallback", plus "sid",
    "account_sid", "auth_user" and "auth_password"), `.fail_next()` to make
    the next requests fail."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self._failures: list[tuple[int, int | None]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with `status` and, when given,
        Twilio's error body for `code` (e.g. 400 with 21610: unsubscribed)."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def start(self) -> FakeTwilio:
        # A short poll interval makes shutdown() quick (default: 0.5 s).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _next_failure(self) -> tuple[int, int | None] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _accept(self, account_sid: str, auth: tuple[str, str], form: dict[str, str]) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        with self._lock:
            self.messages.append(
                {
                    **form,
                    "sid": sid,
                    "account_sid": account_sid,
                    "auth_user": auth[0],
                    "auth_password": auth[1],
                }
            )
        # The fields Twilio answers with; a messaging service picks the
        # sender later, so such a message is "accepted" with no "from" yet.
        service = form.get("MessagingServiceSid")
        return {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body"),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": None if service else form.get("From"),
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"
            },
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }


def _error_body(status: int, code: int | None, message: str | None = None) -> dict:
    body: dict = {"message": message or HTTPStatus(status).phrase, "status": status}
    if code is not None:
        body["code"] = code
        body["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return body


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8")))
            failure = fake._next_failure()
            if failure is not None:
                self._answer(failure[0], _error_body(*failure))
                return
            match = MESSAGES_PATH.match(self.path.split("?")[0])
            if match is None:
                self._answer(404, _error_body(404, 20404, "The requested resource was not found"))
                return
            auth = _basic_auth(self.headers.get("Authorization"))
            if auth is None:
                self._answer(401, _error_body(401, 20003, "Authenticate"))
                return
            self._answer(201, fake._accept(match["sid"], auth, form))

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:
            pass  # keep test output quiet

    return Handler


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    return user, password
