"""A small fake of Twilio's REST API for tests: the real twilio client,
pointed here with FEEDBACK_TWILIO_API_URL (or intake.twilio_client's
RedirectingHttpClient), sends to it over HTTP on 127.0.0.1.

    with FakeTwilio() as twilio:
        client = make_client("AC...", "token", api_url=twilio.url)
        ...
        assert twilio.messages[0]["To"] == "+8613812345678"

As the tests' `fake_twilio` fixture (its messages dated by the test's fake
clock), with the app's settings that send to it:

    @pytest.fixture
    def app_config(app_config, fake_twilio):
        return {**app_config, **sending_to(fake_twilio)}

It creates messages (POST .../Messages.json) and lists them (GET, filtered
by To, From and DateSent as Twilio does, newest first, in pages), and it
misbehaves on request: refusals (`fail_next`), slowness (`slow`), and an
answer that never comes after the message was accepted (`hang_after_accept`).
"""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode

ACCOUNT_SID = "AC" + "0" * 32
FROM = "+15005550006"
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


class FakeTwilio:
    """`.url` to send to, `.messages` as received (form fields under Twilio's
    names, such as "To", "From", "Body", "StatusCallback", plus "sid",
    "account_sid", "auth_user", "auth_password", "date_created" and
    "date_sent"). `clock` (a callable returning an aware datetime) dates the
    messages; a test with a fake clock passes its `now`."""

    def __init__(self, clock=None, send_at_once: bool = True) -> None:
        self.messages: list[dict] = []
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        # Twilio hands a message to the carrier a moment after accepting it;
        # until then it has no date sent. False keeps every message queued.
        self.send_at_once = send_at_once
        self.posts_started = 0  # create requests received so far
        self.in_flight = 0  # requests being answered now
        self.most_in_flight = 0
        self._failures: dict[str, list[tuple[int, int | None]]] = {"POST": [], "GET": []}
        self._delays = (0.0, 0.0)
        self._hangs = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def fail_next(self, status: int, code: int | None = None, times: int = 1, method: str = "POST") -> None:
        """Answer the next `times` requests of `method` (POST: sending, GET:
        listing) with `status` and, when given, Twilio's error body for
        `code` (e.g. 400 with 21610: unsubscribed)."""
        with self._lock:
            self._failures[method].extend([(status, code)] * times)

    def slow(self, before: float = 0.0, after: float = 0.0) -> None:
        """Each create takes `before` seconds until the message is accepted
        and `after` more until the answer leaves."""
        self._delays = (before, after)

    def hang_after_accept(self, times: int = 1) -> None:
        """The next `times` creates are accepted and then never answered
        (until `release`): the client times out without the message's SID."""
        with self._lock:
            self._hangs += times

    def release(self) -> None:
        self._released.set()

    def sent_to(self, to: str) -> list[dict]:
        with self._lock:
            return [message for message in self.messages if message["To"] == to]

    def start(self) -> FakeTwilio:
        # A short poll interval makes shutdown() quick (default: 0.5 s).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _next_failure(self, method: str) -> tuple[int, int | None] | None:
        with self._lock:
            failures = self._failures[method]
            return failures.pop(0) if failures else None

    def _take_hang(self) -> bool:
        with self._lock:
            if self._hangs:
                self._hangs -= 1
                return True
            return False

    def _accept(self, account_sid: str, auth: tuple[str, str], form: dict[str, str]) -> dict:
        now = self.clock()
        record = {**form, "sid": "SM" + secrets.token_hex(16), "account_sid": account_sid,
                  "auth_user": auth[0], "auth_password": auth[1], "date_created": now,
                  "date_sent": now if self.send_at_once else None}
        with self._lock:
            self.messages.append(record)
        return _resource(record)

    def _list(self, account_sid: str, query: dict[str, str]) -> dict:
        """Twilio's filters: To, From, and DateSent (a day, or a time) with
        `<` (on or before) and `>` (on or after); a message not sent yet has
        no date sent and is in no DateSent filter."""
        with self._lock:
            found = [m for m in self.messages if m["account_sid"] == account_sid]
        for name, key in (("To", "To"), ("From", "From")):
            if name in query:
                found = [m for m in found if m.get(key) == query[name]]
        for name, keep in (("DateSent", lambda sent, bound: sent == bound),
                           ("DateSent<", lambda sent, bound: sent <= bound),
                           ("DateSent>", lambda sent, bound: sent >= bound)):
            if name in query:
                bound, by_day = _bound(query[name])
                found = [m for m in found if m["date_sent"] is not None and
                         keep(m["date_sent"].date() if by_day else m["date_sent"], bound)]
        found.sort(key=lambda m: m["date_created"], reverse=True)
        size = int(query.get("PageSize", 50))
        page = int(query.get("Page", 0))
        items = found[page * size:(page + 1) * size]
        path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        more = (page + 1) * size < len(found)
        following = {**query, "Page": str(page + 1), "PageSize": str(size)}
        return {"messages": [_resource(m) for m in items], "page": page, "page_size": size,
                "start": page * size, "end": page * size + len(items),
                "uri": f"{path}?{urlencode(query)}", "first_page_uri": f"{path}?{urlencode({**query, 'Page': '0'})}",
                "previous_page_uri": None, "next_page_uri": f"{path}?{urlencode(following)}" if more else None}

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


def sending_to(fake: FakeTwilio) -> dict:
    """Settings with which the app builds its TwilioSender (the real client)
    and sends to `fake`, as in production to Twilio."""
    return {"SENDERS": None, "SMS_BACKEND": "twilio", "TWILIO_API_URL": fake.url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": "test-auth-token", "TWILIO_FROM": FROM, "OUTBOX_LEASE_SECONDS": 60}


def _bound(text: str):
    """A DateSent value: "YYYY-MM-DD" (a day) or a time as the SDK writes it."""
    if "T" in text:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc), False
    return datetime.strptime(text, "%Y-%m-%d").date(), True


def _resource(record: dict) -> dict:
    """A message as Twilio answers with it; a messaging service picks the
    sender later, so such a message is "accepted" with no "from" yet."""
    service = record.get("MessagingServiceSid")
    sent = record["date_sent"]
    sid, account_sid = record["sid"], record["account_sid"]
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": record.get("Body"),
        "date_created": format_datetime(record["date_created"], usegmt=True),
        "date_sent": format_datetime(sent, usegmt=True) if sent else None,
        "date_updated": format_datetime(record["date_created"], usegmt=True),
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": None if service else record.get("From"),
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "sent" if sent else ("accepted" if service else "queued"),
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"},
        "to": record.get("To"),
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
            with fake._lock:
                fake.posts_started += 1
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8")))
            self._serve("POST", lambda account, auth: self._create(account, auth, form))

        def do_GET(self) -> None:
            query = dict(parse_qsl(self.path.partition("?")[2]))
            self._serve("GET", lambda account, auth: (200, fake._list(account, query)))

        def _serve(self, method: str, act) -> None:
            fake._enter()
            try:
                failure = fake._next_failure(method)
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
                answer = act(match["sid"], auth)
                if answer is not None:
                    self._answer(*answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (or was killed): as with Twilio, what was accepted stays
            finally:
                fake._leave()

        def _create(self, account: str, auth: tuple[str, str], form: dict[str, str]):
            before, after = fake._delays
            time.sleep(before)
            resource = fake._accept(account, auth, form)
            if fake._take_hang():
                fake._released.wait(30)
                return None
            time.sleep(after)
            return 201, resource

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
