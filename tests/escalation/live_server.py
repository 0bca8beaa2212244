"""Real servers for the socket tests: uvicorn serving CaseHub, and a Redis of their own.

The in-process ``WebsocketCommunicator`` skips what a real server does around the
application (turning a close before accept into HTTP 403, timeouts on real Redis
connections), so these run the real thing on 127.0.0.1, each in its own process. The
server shares the test database, so tests using it commit (``transaction=True``) and need
PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"


def _wait_until(ready, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        with suppress(OSError, redis.RedisError):
            if ready():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class AsgiServer:
    """``uvicorn casehub.asgi:application`` on a free port of 127.0.0.1."""

    def __init__(self, workdir: Path, *, redis_url: str | None):
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}"
        self.log = workdir / f"uvicorn-{self.port}.log"
        env = {
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": settings.SECRET_KEY,  # sessions signed here are read there
            "CASEHUB_VAR_DIR": str(workdir),
            "DB_POOL_SIZE": "4",
        }
        env.pop("REDIS_URL", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        command = [sys.executable, "-m", "uvicorn", "casehub.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--lifespan", "off"]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        _wait_until(self._healthy, self.process, self.log, "uvicorn")

    def _healthy(self) -> bool:
        with urllib.request.urlopen(f"{self.origin}/healthz", timeout=2) as response:
            return response.status == 200

    def logged(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        _stop(self.process)


class RedisServer:
    """A ``redis-server`` of the test's own, keeping nothing on disk, that it may restart."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not on PATH")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.start()

    def start(self) -> None:
        self.log = self.workdir / f"redis-{self.port}.log"
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        _wait_until(client.ping, self.process, self.log, "redis-server")
        client.close()

    def restart(self) -> None:
        _stop(self.process)
        self.start()

    def stop(self) -> None:
        _stop(self.process)


@contextmanager
def asgi_server(workdir: Path, *, redis_url: str | None = None):
    server = AsgiServer(workdir, redis_url=redis_url)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def redis_server(workdir: Path):
    server = RedisServer(workdir)
    try:
        yield server
    finally:
        server.stop()


def call(origin: str, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    """An API request with a token, as a department's system makes it: (status, JSON body)."""
    request = urllib.request.Request(
        origin + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
