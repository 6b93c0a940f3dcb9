"""/healthz on a full disk: the embedded SQLite database and the spool live
on a 4 MB tmpfs (mounted in a user namespace of its own, so no root is
needed); once the disk is full, /healthz answers 503, and 200 again once
there is room."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs inside the namespace: the app on the tmpfs, probed before, during and
# after the disk is full; prints what /healthz answered each time.
PROBE = """
import errno, json, os, sys
from intake import create_app
disk = sys.argv[1]
app = create_app({"TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False,
                  "DATABASE_URL": "sqlite:///" + os.path.join(disk, "feedback.db"),
                  "SPOOL_PATH": os.path.join(disk, "spool")})
app.extensions["db"].create_all()
client = app.test_client()
answers = [client.get("/healthz")]
# Unbuffered: a buffered file keeps the bytes that did not fit and fails again on close.
with open(os.path.join(disk, "filler"), "wb", buffering=0) as filler:
    try:
        while True:
            filler.write(b"x" * 65536)
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
answers.append(client.get("/healthz"))
os.remove(os.path.join(disk, "filler"))
answers.append(client.get("/healthz"))
print(json.dumps([[a.status_code, a.get_json()] for a in answers]))
"""


def test_health_is_503_while_the_disk_is_full_and_200_once_there_is_room(tmp_path):
    if not shutil.which("unshare"):
        pytest.skip("unshare (util-linux) is not installed: no tmpfs of our own to fill")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = f'mount -t tmpfs -o size=4m tmpfs "{disk}" && exec "{sys.executable}" -c "$0" "{disk}"'
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, PROBE],
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    if "mount" in result.stderr and result.returncode != 0 and not result.stdout:
        pytest.skip(f"this machine lets no user namespace mount a tmpfs: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr

    before, full, after = json.loads(result.stdout)

    assert before == [200, {"status": "ok", "database": "ok", "spool": "ok"}]
    assert full[0] == 503 and full[1]["status"] == "error" and full[1]["spool"] == "unavailable"
    assert after == [200, {"status": "ok", "database": "ok", "spool": "ok"}]
