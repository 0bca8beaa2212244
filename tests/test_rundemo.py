"""`manage.py rundemo` with real processes: the three services start, stop and fail together.

Each test starts the demo on the embedded defaults (SQLite and the filesystem broker in a
temporary directory) on a free port, as `make demo` does.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from websockets.sync.client import connect as ws_connect

ROOT = Path(__file__).resolve().parent.parent
PATIENCE = 120  # seconds a bounded wait allows on a loaded machine; never asserted on


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    with contextlib.suppress(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        return False
    return True


class Demo:
    """One `manage.py rundemo` process, its console in a file, and its services."""

    process: subprocess.Popen

    def __init__(self, directory: Path, **env: str):
        self.port = free_port()
        self.console_file = directory / "console.log"
        self.env = {
            **os.environ,
            "CASEHUB_VAR_DIR": str(directory / "var"),
            "HTTPS": "0",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        for name in ("DATABASE_URL", "REDIS_URL", "CASEHUB_LIVE_RELAY_URL"):
            self.env.pop(name, None)
        self.services: list[psutil.Process] = []

    def run(self) -> "Demo":
        with self.console_file.open("wb") as console:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "rundemo", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=console,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self

    @property
    def console(self) -> str:
        return self.console_file.read_text(errors="replace")

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"rundemo exited while waiting for {what}:\n{self.console}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {PATIENCE} s:\n{self.console}")
            time.sleep(0.2)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                return r.status
        except OSError:
            return 0

    def start(self) -> None:
        """Wait until the web server answers HTTP and all three services run."""
        self.wait_until(lambda: self.get("/healthz") == 200, "answer on /healthz")
        self.services = psutil.Process(self.process.pid).children()
        assert len(self.services) == 3, self.services

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` in the demo's environment; its standard output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def worker_answers(self) -> bool:
        ping = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "casehub", "inspect", "ping", "--timeout", "2"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return "pong" in ping.stdout

    def service(self, word: str) -> psutil.Process:
        (found,) = [p for p in self.services if word in " ".join(p.cmdline())]
        return found

    def exit_code(self) -> int:
        try:
            return self.process.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            pytest.fail(f"rundemo did not exit:\n{self.console}")

    def running_services(self) -> list[psutil.Process]:
        running = []
        for process in self.services:
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    running.append(process)
        return running

    def kill_everything(self) -> None:
        """Leave nothing running, whatever the test did."""
        if not hasattr(self, "process"):
            return
        if self.process.poll() is None:
            with contextlib.suppress(psutil.NoSuchProcess):
                self.services += psutil.Process(self.process.pid).children(recursive=True)
            self.process.kill()
        for process in self.services:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.process.wait()


@pytest.fixture
def demo(tmp_path) -> Iterator[Demo]:
    demo = Demo(tmp_path).run()
    try:
        yield demo
    finally:
        demo.kill_everything()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_stops_every_service_and_frees_the_port(demo, stop_signal):
    demo.start()

    demo.process.send_signal(stop_signal)

    assert demo.exit_code() == 0, demo.console
    assert demo.running_services() == []
    assert port_is_free(demo.port)


def test_a_service_dying_stops_the_others_and_exits_non_zero(demo):
    demo.start()
    worker = demo.service("worker")

    worker.kill()

    assert demo.exit_code() != 0, demo.console
    assert "The worker stopped on its own" in demo.console
    assert demo.running_services() == []
    assert port_is_free(demo.port)


@pytest.fixture
def migrated_demo(tmp_path) -> Iterator[Demo]:
    """As ``make demo`` runs it: the database migrated first, so no job meets a missing
    table (beat's first notices run comes five seconds after start)."""
    demo = Demo(tmp_path)
    demo.manage("migrate", "--noinput", "-v0")
    demo.run()
    try:
        yield demo
    finally:
        demo.kill_everything()


def test_the_console_shows_no_broker_or_static_file_noise(migrated_demo):
    demo = migrated_demo
    demo.start()
    demo.wait_until(demo.worker_answers, "answer from the worker to a ping")
    assert demo.get("/static/casehub/casehub.css") == 200

    demo.process.send_signal(signal.SIGTERM)

    assert demo.exit_code() == 0, demo.console
    console = demo.console
    assert "CaseHub is running at" in console
    assert "No hostname was supplied" not in console
    assert "synchronous iterators" not in console
    assert "Traceback" not in console


def test_a_breach_the_worker_raises_reaches_an_open_socket_at_once(tmp_path):
    """The in-memory channel layer lives in the web server: the worker posts to its relay."""
    demo = Demo(tmp_path, CASEHUB_SLA_SWEEP_SECONDS="1")
    try:
        demo.manage("migrate", "--noinput", "-v0")
        token, case_id = demo.manage(
            "shell", "-v0", "-c", "from tests.demo_probe import prepare; prepare()"
        ).split()[-2:]
        demo.run().start()
        with ws_connect(
            f"ws://127.0.0.1:{demo.port}/ws/workbench/?token={token}", open_timeout=PATIENCE
        ) as socket:
            demo.manage(
                "shell", "-v0", "-c", f"from tests.demo_probe import fall_due; fall_due({case_id})"
            )
            deadline = time.monotonic() + PATIENCE
            kinds = []
            while "sla_breach" not in kinds and time.monotonic() < deadline:
                message = json.loads(socket.recv(timeout=PATIENCE))
                if message.get("id") == int(case_id) and message["type"] == "case.updated":
                    kinds.append(message["kind"])
        assert "sla_breach" in kinds, (kinds, demo.console)
    finally:
        demo.kill_everything()
