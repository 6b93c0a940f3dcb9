"""django-helpdesk 2.6.1, the peer the platform is measured against.

    python3 bench/peer_helpdesk.py setup                 # venv, project, empty database (once)
    python3 bench/peer_helpdesk.py serve [--port 8100] [--database PATH]
    python3 bench/peer_helpdesk.py build --open 100000 --due 1000 [--database PATH]
    python3 bench/peer_helpdesk.py escalate --database PATH   # manage.py escalate_tickets

`setup` installs django-helpdesk, its Django and gunicorn at pinned versions
in a virtual environment of their own under bench/out/helpdesk/ (ignored by
git: none of django-helpdesk's code is committed), writes a minimal Django
project there (SQLite in WAL mode with synchronous NORMAL and a connection
kept open, as the platform runs it; DEBUG off, e-mail to the console, teams
off) and
migrates an empty database once. Everything else calls `setup` first, so one
command is enough on a fresh machine.

`serve` runs the public ticket submission form (`/tickets/submit/`) with one
sync gunicorn worker, the configuration the complaint form is measured in.

`build` makes a database with --open open tickets in one queue that escalates
after one day, --due of them created three days ago (so `escalate_tickets`
escalates them), the rest within the last 23 hours; each with the follow-up a
submission writes. Set-based inserts (a recursive CTE inside SQLite), cached
under bench/out/helpdesk/db/. `escalate_tickets` reads the wall clock, so the
times are written relative to now by `fresh_copy`, just before a timed run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from serving import copy_sqlite, gunicorn

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "helpdesk"
VENV = OUT / "venv"
SITE = OUT / "site"
EMPTY_DB = OUT / "db" / "empty.db"
PYTHON = VENV / "bin" / "python"
GUNICORN = VENV / "bin" / "gunicorn"

# The peer and everything it runs on, pinned (pip freeze of the first install).
PINS = [
    "django-helpdesk==2.6.1", "Django==5.2.19", "gunicorn==27.0.1", "asgiref==3.13.0", "beautifulsoup4==4.15.0",
    "certifi==2026.10.19.post1", "charset-normalizer==3.5.3", "django-cleanup==9.0.0", "django-model-utils==5.0.0",
    "djangorestframework==3.18.3", "email-reply-parser==0.5.12", "idna==3.20", "Markdown==3.11.3", "nh3==0.3.8",
    "oauthlib==4.0.1", "requests==2.34.2", "requests-oauthlib==2.0.0", "soupsieve==4.1.3", "sqlparse==0.6.1",
    "typing_extensions==4.16.0", "urllib3==2.8.0",
]
QUEUE_SLUG = "complaints"

SETTINGS = '''
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bench-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
WSGI_APPLICATION = "wsgi.application"
# The same durability as the platform's SQLite (WAL, synchronous NORMAL): a
# commit does not wait for the disk on either side. The connection is kept
# across requests as the platform's pool keeps it (Django's default closes
# it after each request, and the last close of a WAL database checkpoints).
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("HELPDESK_BENCH_DB", str(BASE_DIR / "helpdesk.db")),
                         "CONN_MAX_AGE": None,
                         "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"}}}
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "Chinese"), ("en", "English")]
USE_I18N = True
SITE_ID = 1
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_PUBLIC_TICKET_QUEUE = "complaints"
HELPDESK_PUBLIC_TICKET_PRIORITY = 3
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
'''
URLS = '''
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
'''
WSGI = '''
import os
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
application = get_wsgi_application()
'''
MANAGE = '''
import os, sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
'''


def setup() -> None:
    """The virtual environment, the project and the empty database, each once."""
    if not PYTHON.exists() or not (VENV / ".pinned").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "-q", *PINS], check=True)
        (VENV / ".pinned").write_text("\n".join(PINS) + "\n")
    SITE.mkdir(parents=True, exist_ok=True)
    for name, text in (("settings.py", SETTINGS), ("urls.py", URLS), ("wsgi.py", WSGI), ("manage.py", MANAGE)):
        path = SITE / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    if not EMPTY_DB.exists():
        EMPTY_DB.parent.mkdir(parents=True, exist_ok=True)
        partial = EMPTY_DB.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        manage(["migrate", "-v", "0"], partial)
        with sqlite3.connect(partial) as db:
            db.execute("""INSERT INTO helpdesk_queue (title, slug, email_address, locale, allow_public_submission,
                              allow_email_submission, escalate_days, new_ticket_cc, updated_ticket_cc,
                              enable_notifications_on_email_events, email_box_type, email_box_ssl,
                              email_box_interval, socks_proxy_type, logging_type, dedicated_time)
                          VALUES ('Complaints', ?, 'complaints@example.com', 'en', 1, 0, 1, '', '',
                                  0, 'pop3', 0, 5, NULL, NULL, NULL)""", (QUEUE_SLUG,))
            # Weekends the escalation may not count (EscalationExclusion).
            db.execute("INSERT INTO helpdesk_escalationexclusion (name, date) VALUES ('Sunday', '2026-11-01')")
        db.close()
        partial.rename(EMPTY_DB)


def manage(args: list[str], database: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(PYTHON), "manage.py", *args], cwd=SITE, check=True,
                          env={**os.environ, "HELPDESK_BENCH_DB": str(database)}, **kwargs)


def command(args: list[str], database: Path) -> tuple[list[str], dict, Path]:
    """A manage.py command as (argv, environment, cwd), to be timed by the caller."""
    return [str(PYTHON), "manage.py", *args], {**os.environ, "HELPDESK_BENCH_DB": str(database)}, SITE


def serve(port: int, database: Path, work: Path) -> subprocess.Popen:
    """The public submission form on one sync gunicorn worker, returned once
    the worker has loaded the project."""
    env = {**os.environ, "HELPDESK_BENCH_DB": str(database)}
    return gunicorn("wsgi:application", port, env, SITE, work, workers=1, executable=str(GUNICORN))


def cached_database(open_tickets: int, due: int) -> Path:
    """A database with that many open tickets, built once (set-based) and kept."""
    setup()
    path = OUT / "db" / f"open{open_tickets}-due{due}.db"
    if path.exists():
        return path
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    shutil.copyfile(EMPTY_DB, partial)
    db = sqlite3.connect(partial)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    queue = db.execute("SELECT id FROM helpdesk_queue WHERE slug = ?", (QUEUE_SLUG,)).fetchone()[0]
    old = "2026-01-01 00:00:00"  # overwritten by fresh_copy
    with db:
        db.execute(f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO helpdesk_ticket (id, title, queue_id, created, modified, submitter_email, status, on_hold,
                                         description, resolution, priority, due_date, last_escalation,
                                         secret_key, kbitem_id, merged_to_id)
            SELECT i, 'Complaint ' || i, ?, '{old}', '{old}', 'customer' || i || '@example.com', 1, 0,
                   'The counter was closed although the sign said open.', NULL, 3, NULL, NULL,
                   lower(hex(randomblob(18))), NULL, NULL
            FROM n""", (open_tickets, queue))
        db.execute(f"""
            INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, user_id, new_status,
                                           message_id, time_spent, email_recipients)
            SELECT id, '{old}', 'Ticket Opened', description, 1, NULL, NULL, NULL, NULL, '[]'
            FROM helpdesk_ticket""")
    db.execute("ANALYZE")
    db.close()
    partial.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def fresh_copy(source: Path, target: Path, due: int, now: datetime | None = None) -> Path:
    """Copy a cached database and date its tickets from now: the first `due`
    three days old (due for escalation), the others within the last 23 hours."""
    now = now or datetime.now(timezone.utc)
    copy_sqlite(source, target)
    db = sqlite3.connect(target)
    stamp = "%Y-%m-%d %H:%M:%S"
    with db:
        db.execute("UPDATE helpdesk_ticket SET created = ?, modified = ? WHERE id <= ?",
                   ((now - timedelta(days=3)).strftime(stamp), (now - timedelta(days=3)).strftime(stamp), due))
        # Not due: created i minutes ago, i < 23 hours.
        db.execute("""UPDATE helpdesk_ticket SET created = strftime('%Y-%m-%d %H:%M:%f', ?, '-' || (id % 1380) || ' minutes'),
                                                 modified = strftime('%Y-%m-%d %H:%M:%f', ?, '-' || (id % 1380) || ' minutes')
                      WHERE id > ?""", (now.strftime(stamp), now.strftime(stamp), due))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("action", choices=["setup", "serve", "build", "escalate"])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--database", type=Path)
    parser.add_argument("--open", type=int, default=0)
    parser.add_argument("--due", type=int, default=0)
    args = parser.parse_args()
    setup()
    if args.action == "setup":
        print(f"django-helpdesk ready in {OUT}")
    elif args.action == "build":
        print(cached_database(args.open, args.due))
    elif args.action == "serve":
        database = args.database or EMPTY_DB.with_name("serve.db")
        if args.database is None:
            copy_sqlite(EMPTY_DB, database)
        server = serve(args.port, database, Path(tempfile.mkdtemp(prefix="helpdesk-serve-")))
        print(f"http://127.0.0.1:{args.port}/tickets/submit/ (database {database})", flush=True)
        server.wait()
    else:
        argv, env, cwd = command(["escalate_tickets"], args.database)
        sys.exit(subprocess.run(argv, env=env, cwd=cwd).returncode)


if __name__ == "__main__":
    main()
