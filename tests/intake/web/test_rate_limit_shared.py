"""Rate limits hold across web workers when they share Redis: a second
process sees the first one's count."""
import json
import os
import subprocess
import sys
import uuid

import pytest

REDIS_URL = os.environ.get("FEEDBACK_TEST_REDIS_URL")

# One web worker: its own process, its own app, the shared Redis.
WORKER = """
import json, sys
from intake import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                  "DATABASE_URL": sys.argv[1], "RATELIMIT_STORAGE_URL": sys.argv[2],
                  "RATELIMIT_KEY_PREFIX": sys.argv[3]})
app.extensions["db"].create_all()
client = app.test_client()
codes = [client.post("/login", data={"username": "nobody", "password": "wrong password"}).status_code
         for _ in range(int(sys.argv[4]))]
print(json.dumps(codes))
"""


def failed_logins_in_a_worker(tmp_path, prefix, times):
    result = subprocess.run(
        [sys.executable, "-c", WORKER, f"sqlite:///{tmp_path / 'shared.db'}", REDIS_URL, prefix, str(times)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "FEEDBACK_INSTANCE_PATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not REDIS_URL, reason="FEEDBACK_TEST_REDIS_URL is not set: no Redis to share limits through")
def test_two_workers_sharing_redis_share_the_login_limit(tmp_path):
    prefix = f"test-{uuid.uuid4().hex}"
    assert failed_logins_in_a_worker(tmp_path, prefix, 10) == [200] * 10
    assert failed_logins_in_a_worker(tmp_path, prefix, 1) == [429]
    # A worker with another key space (another deployment) is not affected.
    assert failed_logins_in_a_worker(tmp_path, prefix + "-other", 1) == [200]
