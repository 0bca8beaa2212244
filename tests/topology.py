"""The Procfile's processes for a test: each started from its Procfile line, killed alone.

``Stack`` expands the ``web``, ``worker`` and ``beat`` lines as ``honcho start -c
web=2,worker=2,beat=1`` does (honcho's own parser: the same commands and variables), but
starts each process in a process group of its own, so that a test can kill one worker
the way a host loses it (``SIGKILL``) while the others run on, and start it again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import psutil
from celery import Celery
from django.conf import settings
from honcho.environ import expand_processes, parse_procfile

from tests.escalation.live_server import free_port, shared_database_url

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 90


class Stack:
    def __init__(self, workdir: Path, *, redis_url: str, env: dict, web: int = 2, worker: int = 2):
        self.workdir = workdir
        self.redis_url = redis_url
        procfile = parse_procfile((ROOT / "Procfile").read_text())
        wanted = {name: procfile.processes[name] for name in ("web", "worker", "beat")}
        base = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": shared_database_url(),
            "REDIS_URL": redis_url,
            "HOST": "127.0.0.1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            "HTTPS": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "CASEHUB_VAR_DIR": str(workdir),
            "WEB_CONCURRENCY": "1",
            "WORKER_CONCURRENCY": "1",
            "DB_POOL_SIZE": "4",
            **env,
        }
        base.pop("DYNO", None)
        self.params = {
            params.name: params
            for params in expand_processes(wanted, concurrency={"web": web, "worker": worker})
        }
        self.env = {name: {**base, **params.env} for name, params in self.params.items()}
        self.origins: dict[str, str] = {}
        for name in self.params:
            if name.startswith("web."):
                port = free_port()
                self.env[name]["PORT"] = str(port)
                self.origins[name] = f"http://127.0.0.1:{port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.control = Celery(broker=redis_url, set_as_current=False).control

    # --- processes ---

    def start(self, *names: str) -> None:
        for name in names or tuple(self.params):
            with (self.workdir / f"{name}.log").open("a") as log:
                self.processes[name] = subprocess.Popen(
                    self.params[name].cmd,
                    shell=True,
                    cwd=ROOT,
                    env=self.env[name],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self.wait_ready(*(names or tuple(self.params)))

    def wait_ready(self, *names: str) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        waiting = [name for name in names if not name.startswith("beat.")]
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.logged(name)}")
                if self._ready(name):
                    waiting.remove(name)
            time.sleep(0.2)
        if waiting:
            raise RuntimeError(
                "not ready: " + ", ".join(f"{name}:\n{self.logged(name)}" for name in waiting)
            )

    def _ready(self, name: str) -> bool:
        if name.startswith("web."):
            url = f"{self.origins[name]}/healthz"
            with suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
            return False
        return bool(self.control.ping(destination=[self.nodename(name)], timeout=0.5))

    def kill(self, name: str) -> None:
        """What a lost host does to a process: ``SIGKILL`` to it and its children, no warning."""
        process = self.processes.pop(name)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in list(self.processes.items()):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            del self.processes[name]

    # --- looking at them ---

    def nodename(self, name: str) -> str:
        return f"{name}@{socket.gethostname()}"

    def alive(self, name: str) -> bool:
        return bool(self.control.ping(destination=[self.nodename(name)], timeout=1))

    def tree(self, name: str) -> list[psutil.Process]:
        leader = psutil.Process(self.processes[name].pid)
        return [leader, *leader.children(recursive=True)]

    def owner_of_pid(self, pid: int) -> str:
        for name in self.processes:
            if any(process.pid == pid for process in self.tree(name)):
                return name
        raise LookupError(f"no process of the stack has pid {pid}")

    def owner_of_port(self, port: int) -> str:
        """Which process has a TCP socket on local ``port`` (a database session's client)."""
        for name in self.processes:
            for process in self.tree(name):
                with suppress(psutil.Error):
                    if any(c.laddr and c.laddr.port == port for c in process.net_connections()):
                        return name
        raise LookupError(f"no process of the stack uses local port {port}")

    def logged(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text()[-4000:] if path.exists() else ""
