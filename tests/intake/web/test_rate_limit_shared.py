"""Login limits hold across web workers when they share Redis: four real
processes, each its own app, see one count per address and one slowdown
per account."""
import json
import os
import subprocess
import sys
import uuid

import pytest
from limits.storage import storage_from_string

from routing.foundation.db import Database
from routing.web.login_throttle import AccountThrottle

REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="FEEDBACK_TEST_REDIS_URL is not set: no Redis to share limits through")

# One web worker: its own process, its own app, the shared Redis. Once its
# app is built it says so and waits for the word to go, then sends its
# logins: (username, password, address).
WORKER = """
import json, sys
from intake import create_app
database, redis, prefix, attempts = sys.argv[1:5]
app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                  "DATABASE_URL": database, "RATELIMIT_STORAGE_URL": redis, "RATELIMIT_KEY_PREFIX": prefix})
client = app.test_client()
print("ready", flush=True)
sys.stdin.readline()
codes = [client.post("/login", data={"username": u, "password": p}, environ_overrides={"REMOTE_ADDR": a}).status_code
         for u, p, a in json.loads(attempts)]
print(json.dumps(codes))
"""


def workers(tmp_path, database_url, prefix, attempts_of_each):
    """Runs one process per list of attempts, all starting together; the answers of each."""
    processes = [subprocess.Popen(
        [sys.executable, "-c", WORKER, database_url, REDIS_URL, prefix, json.dumps(attempts)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "FEEDBACK_INSTANCE_PATH": str(tmp_path)}) for attempts in attempts_of_each]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in processes:  # all at once
        process.stdin.write("go\n")
        process.stdin.flush()
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answers.append(json.loads(out.strip().splitlines()[-1]))
    return answers


def test_four_workers_sharing_redis_let_ten_logins_a_minute_through_from_one_address(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'shared.db'}"  # the limit reads no table
    Database(database_url).create_all()
    prefix = f"test-{uuid.uuid4().hex}"
    # 4 x 5 wrong logins from one address, each on its own username (no account is slowed).
    answers = workers(tmp_path, database_url, prefix, [
        [(f"user-{w}-{n}", "wrong password", "203.0.113.7") for n in range(5)] for w in range(4)])
    codes = sorted(code for worker in answers for code in worker)
    assert codes == [200] * 10 + [429] * 10, answers
    # A worker with another key space (another deployment) is not affected.
    assert workers(tmp_path, database_url, prefix + "-other", [[("user", "wrong password", "203.0.113.7")]]) == [[200]]


def test_four_workers_sharing_redis_slow_down_one_account_guessed_from_eight_addresses(
        app, make, tmp_path, database_url):
    """The same for a username that exists and one that does not."""
    known, unknown = make.staff("handler").username, "nobody-by-this-name"
    prefix = f"test-{uuid.uuid4().hex}"
    answers = workers(tmp_path, database_url, prefix, [
        [(username, "wrong password", f"203.0.113.{2 * w + n % 2}") for username in (known, unknown) for n in range(5)]
        for w in range(4)])
    throttle = AccountThrottle(storage_from_string(REDIS_URL), prefix, free=5, ceiling=900)
    for i, username in enumerate((known, unknown)):
        codes = [code for worker in answers for code in worker[5 * i:5 * i + 5]]
        checked, waited = codes.count(200), codes.count(429)
        # Five free failures, then the next attempt waits 5 seconds; guesses
        # already in flight in the other workers when the sixth failed may be checked too.
        assert 6 <= checked <= 6 + 3 and checked + waited == 20, (username, answers)
        assert throttle.failures(username) == checked  # every worker counted in Redis
