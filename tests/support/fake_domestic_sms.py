"""Small fakes of Aliyun's and Tencent Cloud's SMS APIs for tests: the real
SDKs, pointed here with FEEDBACK_ALIYUN_SMS_ENDPOINT or
FEEDBACK_TENCENT_SMS_ENDPOINT (http://127.0.0.1:port), send to them over
HTTP.

FakeAliyun answers SendSms (RPC style: the fields in the query or the form)
and QuerySendDetails (by phone, date and OutId); FakeTencent answers SendSms
(JSON, the action in the X-TC-Action header). Both keep `.messages` as
received and misbehave on request: `refuse_next(code)` answers a refusal in
the provider's own form, `hang_after_accept()` keeps the message and never
answers in time (a timeout after the provider took it).
"""
from __future__ import annotations

import json
import secrets
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

BEIJING = timezone(timedelta(hours=8))


class _Fake:
    def __init__(self, clock=None):
        self.messages: list[dict] = []
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._refusals: list[str] = []
        self._hangs = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def refuse_next(self, code: str, times: int = 1) -> None:
        with self._lock:
            self._refusals.extend([code] * times)

    def hang_after_accept(self, times: int = 1) -> None:
        self._hangs += times

    def _take_refusal(self) -> str | None:
        with self._lock:
            return self._refusals.pop(0) if self._refusals else None

    def _hang(self) -> None:
        if self._hangs:
            self._hangs -= 1
            self._released.wait(5)  # longer than the client's timeout

    def sent_to(self, phone: str) -> list[dict]:
        return [m for m in self.messages if phone in m["phones"]]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()


class FakeAliyun(_Fake):
    def handle(self, fields: dict[str, str]) -> tuple[int, dict]:
        action = fields.get("Action")
        if action == "SendSms":
            code = self._take_refusal()
            if code:
                return 200, {"Code": code, "Message": f"refused: {code}", "RequestId": secrets.token_hex(8)}
            biz_id = f"{secrets.randbelow(10**15):015d}^0"
            self.messages.append({"phones": fields["PhoneNumbers"], "sign": fields["SignName"],
                                  "template": fields["TemplateCode"], "params": json.loads(fields["TemplateParam"]),
                                  "out_id": fields.get("OutId"), "biz_id": biz_id,
                                  "date": self.clock().astimezone(BEIJING).strftime("%Y%m%d"),
                                  "key_id": fields.get("AccessKeyId")})
            self._hang()
            return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": secrets.token_hex(8)}
        if action == "QuerySendDetails":
            found = [m for m in self.messages
                     if m["phones"] == fields["PhoneNumber"] and m["date"] == fields["SendDate"]]
            details = [{"PhoneNum": m["phones"], "SendStatus": 1, "TemplateCode": m["template"],
                        "OutId": m["out_id"], "Content": "", "SendDate": "", "ErrCode": ""} for m in found]
            return 200, {"Code": "OK", "Message": "OK", "TotalCount": len(details),
                         "SmsSendDetailDTOs": {"SmsSendDetailDTO": details}, "RequestId": secrets.token_hex(8)}
        return 400, {"Code": "InvalidAction", "Message": f"no such action: {action}"}


class FakeTencent(_Fake):
    def handle(self, fields: dict) -> tuple[int, dict]:
        request_id = secrets.token_hex(8)
        if fields.get("_action") != "SendSms":
            return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": "no"}, "RequestId": request_id}}
        code = self._take_refusal()
        phone = fields["PhoneNumberSet"][0]
        if code and not code.startswith("FailedOperation.") and not code.startswith("LimitExceeded."):
            return 200, {"Response": {"Error": {"Code": code, "Message": f"refused: {code}"}, "RequestId": request_id}}
        if code:
            status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "", "Code": code,
                      "Message": f"refused: {code}", "IsoCode": "CN"}
            return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
        serial = f"2640:{secrets.randbelow(10**18):018d}"
        self.messages.append({"phones": fields["PhoneNumberSet"], "sign": fields["SignName"],
                              "template": fields["TemplateId"], "params": fields["TemplateParamSet"],
                              "app_id": fields["SmsSdkAppId"], "context": fields.get("SessionContext"),
                              "serial": serial})
        self._hang()
        status = {"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": fields.get("SessionContext"),
                  "Code": "Ok", "Message": "send success", "IsoCode": "CN"}
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}


def _handler_for(fake: _Fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if isinstance(fake, FakeTencent):
                fields = json.loads(raw or "{}")
                fields["_action"] = self.headers.get("X-TC-Action")
            else:
                fields = dict(parse_qsl(urlsplit(self.path).query))
                if raw:
                    fields.update(parse_qsl(raw))
                fields.setdefault("Action", self.headers.get("x-acs-action"))
            self._answer(*fake.handle(fields))

        do_GET = do_POST

    return Handler


def aliyun_settings(fake: FakeAliyun) -> dict:
    return {"SMS_BACKEND": "aliyun", "SMS_SIGNATURE": "浦发客服", "ALIYUN_ACCESS_KEY_ID": "LTAI-test",
            "ALIYUN_ACCESS_KEY_SECRET": "secret", "ALIYUN_SMS_ENDPOINT": fake.url}


def tencent_settings(fake: FakeTencent) -> dict:
    return {"SMS_BACKEND": "tencent", "SMS_SIGNATURE": "浦发客服", "TENCENT_SECRET_ID": "AKID-test",
            "TENCENT_SECRET_KEY": "secret", "TENCENT_SMS_APP_ID": "1400000000", "TENCENT_SMS_ENDPOINT": fake.url}


