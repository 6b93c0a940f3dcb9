"""Defaults of every setting; each can be overridden by a FEEDBACK_ variable
(FEEDBACK_SECRET_KEY sets SECRET_KEY) or by the test mapping."""
from __future__ import annotations

import os

from routing.rules.ladder import authority_from_list

DEFAULTS = {
    "SECRET_KEY": None,  # required outside the demo and tests
    "DATABASE_URL": None,  # default: SQLite under the instance folder
    "PUBLIC_URL": "http://127.0.0.1:5000",
    "TIMEZONE": "Asia/Shanghai",
    "DEFAULT_REGION": "CN",
    "SMS_BACKEND": "console",  # or "twilio", "aliyun", "tencent"
    "TWILIO_FROM": None,
    "TWILIO_API_URL": None,
    # Domestic SMS (Aliyun, Tencent Cloud): the approved 【signature】 (签名), without the brackets.
    "SMS_SIGNATURE": None,
    "ALIYUN_ACCESS_KEY_ID": None,
    "ALIYUN_ACCESS_KEY_SECRET": None,
    "ALIYUN_SMS_ENDPOINT": None,  # default dysmsapi.aliyuncs.com; a URL such as http://127.0.0.1:8123 for a fake
    "TENCENT_SECRET_ID": None,
    "TENCENT_SECRET_KEY": None,
    "TENCENT_SMS_APP_ID": None,  # the SmsSdkAppId, 1400...
    "TENCENT_SMS_REGION": "ap-guangzhou",
    "TENCENT_SMS_ENDPOINT": None,  # default sms.tencentcloudapi.com
    # The secret part of the domestic providers' callback URLs (/sms/aliyun/<secret>/report ...):
    # they sign nothing, so the URL itself is the credential. None: the callbacks answer 404.
    "SMS_WEBHOOK_SECRET": None,
    # Addresses the callbacks are taken from, a JSON list of addresses or networks; empty: any.
    "SMS_WEBHOOK_SOURCES": [],
    "EMAIL_BACKEND": "console",  # or "smtp"
    "SMTP_URL": None,  # smtp://user:pass@host:587 (STARTTLS) or smtps://...
    "EMAIL_FROM": "feedback@localhost",
    "RATELIMIT_STORAGE_URL": "local://",
    "RATE_LIMIT_PUBLIC": "30 per minute",
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # bytes of a request body; less on some routes (intake.body_limits)
    "PROXY_FIX": 0,  # number of proxies in front (sets X-Forwarded-* trust)
    "RATING_INTERVAL_MINUTES": 30,  # one rating per device per touchpoint
    "RATING_EDIT_MINUTES": 30,  # step two may change a rating this long, same device only
    "LOW_RATING_THRESHOLD": 2,
    # A burst of low ratings at one counter alerts its supervisor: this many within these minutes.
    "LOW_RATING_ALERT_COUNT": 3,
    "LOW_RATING_ALERT_MINUTES": 60,
    "COMMENT_MAX_LENGTH": 1000,
    # Counter evaluators (kiosk mode): how often the kiosk asks for a transaction to rate and sends
    # a heartbeat, how long its thanks stay and a prompt waits for a tap, after how many minutes of
    # working time without a heartbeat the supervisor is told, and the calendar of that working time.
    "KIOSK_POLL_SECONDS": 2,
    "KIOSK_HEARTBEAT_SECONDS": 60,
    "KIOSK_RESET_SECONDS": 4,
    "KIOSK_PROMPT_MINUTES": 10,
    "KIOSK_SILENT_MINUTES": 10,
    "KIOSK_CALENDAR": "cn-business",
    "SURVEY_DELAY_MINUTES": 10,
    "SURVEY_THROTTLE_DAYS": 30,
    "SURVEY_EXPIRY_HOURS": 72,
    # Targets drawn on the score trends (RULES 5.9), as fractions per metric.
    "SCORE_TARGETS": {"satisfaction_rate": [0.90, 0.85, 0.93]},
    "TICK_SECONDS": 60,
    "OUTBOX_SECONDS": 10,  # how often the worker sends what is due, apart from the tick
    "OUTBOX_BATCH": 100,  # messages per pass
    "OUTBOX_CONCURRENCY": 4,  # messages in flight at once
    "OUTBOX_SEND_TIMEOUT": 10,  # seconds a provider may take to answer
    "OUTBOX_LEASE_SECONDS": 60,  # a claim's life; at least twice the send timeout
    "OUTBOX_MAX_ATTEMPTS": 6,
    "SMTP_CA_FILE": None,  # authorities for a mail server with a private certificate
    "SPOOL_PATH": None,  # default: spool/ in the instance folder
    "CALLBACK_MAX_ATTEMPTS": 3,
    # Who is handling a case, on the customer's tracking page: "unit" (its
    # name), "name_and_number" (first name and staff number) or "none".
    "TRACKING_SHOWS_HANDLER": "unit",
    # A customer satisfied with a resolved case (tracking page): True closes
    # it at once; False (the preset) leaves it resolved until its callback.
    "SATISFIED_CLOSES": False,  # unanswered calls before a callback counts as not reached
    # Approval authority by amount claimed (RULES 3), a JSON list of bands
    # [{"level": "manager", "up_to": 1000, "includes_bound": true}, ..., {"level": "gm"}];
    # None: the preset routing/presets/authority.toml.
    "AUTHORITY_BANDS": None,
    # Whether the staff member a complaint is about may read it (never act on it).
    "SUBJECT_SEES_COMPLAINT": False,
    # The organisation's 24-hour repair line, shown with the advice to call 110/119/120 in an emergency.
    "EMERGENCY_PHONE": "",
    "LANGUAGES": ["zh_Hans_CN", "en"],
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # (The session cookie is Secure whenever PUBLIC_URL is https: intake.session_cookie.)
    "SESSION_IDLE_MINUTES": 30,  # a staff session unused this long ends; 0: never
    "LOGIN_FREE_FAILURES": 5,  # wrong passwords on one username before each further attempt waits
    "LOGIN_MAX_DELAY_MINUTES": 15,  # the longest such wait (it doubles from 5 seconds)
    "WTF_CSRF_TIME_LIMIT": None,
}

# Settings whose FEEDBACK_ value is read as an integer.
INTEGER_SETTINGS = {k for k, v in DEFAULTS.items() if isinstance(v, int) and not isinstance(v, bool)}


def load(app, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    # from_prefixed_env parses JSON values, so "30" arrives as 30 already.
    app.config.from_prefixed_env("FEEDBACK")
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        app.config.setdefault(key, os.environ.get(key))
    if test_config:
        app.config.from_mapping(test_config)
    for key in INTEGER_SETTINGS:
        app.config[key] = int(app.config[key])
    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "feedback.db")
    app.config["DATABASE_URL"] = _with_psycopg(app.config["DATABASE_URL"])
    if not app.config["SPOOL_PATH"]:
        app.config["SPOOL_PATH"] = os.path.join(app.instance_path, "spool")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    app.config["PUBLIC_URL"] = app.config["PUBLIC_URL"].rstrip("/")
    if app.config["AUTHORITY_BANDS"] is not None:  # refused at start, not at the first large claim
        app.config["AUTHORITY_BANDS"] = authority_from_list(app.config["AUTHORITY_BANDS"])


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so the embedded demo needs no
    setup and sessions survive a restart. Production sets FEEDBACK_SECRET_KEY."""
    import secrets

    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it first
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    with open(path) as f:
        return f.read().strip()


def _with_psycopg(url: str) -> str:
    """postgres:// and postgresql:// URLs (as hosting providers print them)
    use psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
