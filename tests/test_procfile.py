"""The Procfile as a process manager runs it (honcho): ``release`` migrates, ``web`` serves
HTTP and ``/ws/`` on ``$PORT`` from two processes that share their metrics."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.escalation.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_procfile_names_the_four_process_types():
    types = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )

    assert set(types) == {"web", "worker", "beat", "release"}
    assert "$PORT" in types["web"] or "${PORT" in types["web"]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_release_then_web_serve_http_and_sockets(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "CASEHUB_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": "procfile-test-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    (tmp_path / "metrics").mkdir()
    for name in ("DATABASE_URL", "REDIS_URL"):  # the embedded defaults: SQLite, in memory
        env.pop(name, None)
    honcho = [sys.executable, "-m", "honcho", "--procfile", str(ROOT / "Procfile")]
    release = subprocess.run(
        [*honcho, "start", "release"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert release.returncode == 0, release.stdout + release.stderr
    assert (tmp_path / "casehub.sqlite3").exists()

    web = subprocess.Popen(
        [*honcho, "start", "web"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if _get(f"{origin}/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.2)
        for _ in range(12):
            assert _get(f"{origin}/readyz") == 200
        assert _get(f"{origin}/accounts/login/") == 200
        socket_url = f"ws://127.0.0.1:{port}/ws/workbench/"
        with (
            ws_connect(socket_url, origin=origin) as socket,
            pytest.raises(ConnectionClosed) as closed,
        ):
            socket.recv(timeout=5)
        assert closed.value.rcvd.code == 4401  # served, and it wants a signed-in person
        # Two processes answered; either one's /metrics counts the requests of both.
        with urllib.request.urlopen(f"{origin}/metrics", timeout=5) as response:
            exposition = response.read().decode()
        served = [
            float(line.rsplit(" ", 1)[1])
            for line in exposition.splitlines()
            if line.startswith("casehub_http_requests_total{")
            and 'route="readyz"' in line
            and 'status="200"' in line
        ]
        assert sum(served) == 12, exposition
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.communicate(timeout=30)
