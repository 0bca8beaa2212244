"""Run the whole product on one machine: the ASGI server, a Celery worker and beat.

Each service runs in its own process group, so a Ctrl-C in the terminal reaches this command
only and every service gets exactly one stop signal, from here. SIGTERM, SIGINT and SIGHUP
(a service manager, Ctrl-C, a closing terminal) stop all three and exit 0; when one service
dies on its own the others are stopped too and the command exits non-zero.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from casehub.demo.management.commands.seed_demo import ACCOUNTS
from escalation.taskgroups import bot

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Command(BaseCommand):
    help = "Start the ASGI server on 127.0.0.1:PORT with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--stop-timeout",
            type=float,
            default=10.0,
            help="Seconds each service gets to stop after SIGTERM before it is killed.",
        )

    def handle(self, *args, host, port, stop_timeout, **options):
        stop_requested = threading.Event()
        previous_handlers = {
            sig: signal.signal(sig, lambda signum, frame: stop_requested.set())
            for sig in STOP_SIGNALS
        }
        services: dict[str, subprocess.Popen] = {}
        # The worker and beat hand their live events to the web server's in-memory layer.
        relayed = {**os.environ, "CASEHUB_LIVE_RELAY_URL": relay_url(host, port)}
        try:
            for name, command in self.commands(host=host, port=port).items():
                services[name] = subprocess.Popen(
                    command,
                    process_group=0,
                    stdin=subprocess.DEVNULL,
                    env=None if name == "web server" else relayed,
                )
            url = f"http://{host}:{port}/"
            self.stdout.write(self.style.SUCCESS(f"CaseHub is running at {url}"))
            self.stdout.write(f"  API docs: {url}api/docs/   admin: {url}admin/")
            self.stdout.write(f"  Accounts (password casehub-demo): {ACCOUNTS}")
            self.stdout.write("  Press Ctrl-C to stop.")
            died = self.wait_for_stop_or_death(services, stop_requested)
        finally:
            self.stop(services, timeout=stop_timeout)
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
        if died:
            name, returncode = died
            raise CommandError(
                f"The {name} stopped on its own (exit code {returncode}); stopped the others."
            )

    def commands(self, *, host: str, port: int) -> dict[str, list[str]]:
        python = sys.executable
        # --quiet: no Celery banners; the lines printed above say what matters.
        celery = [python, "-m", "celery", "-A", "casehub", "--quiet"]
        services = {
            "web server": [
                python,
                "-m",
                "uvicorn",
                "casehub.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            "worker": [
                *celery,
                "worker",
                "--loglevel",
                "warning",
                "--concurrency",
                "2",
                "--pool",
                "threads",
            ],
            "beat": [
                *celery,
                "beat",
                "--loglevel",
                "warning",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
            ],
        }
        if has_bot_department():  # the seeded demo's chatbot platform, on a free port
            services["bot platform"] = [
                python,
                str(settings.BASE_DIR / "manage.py"),
                "bot_platform",
                "--api",
                relay_url(host, port) + "/api/v1/",
                "--port",
                "0",  # it registers its own address on the bot department
            ]
        return services

    @staticmethod
    def wait_for_stop_or_death(
        services: dict[str, subprocess.Popen], stop_requested: threading.Event
    ) -> tuple[str, int] | None:
        """Block until a stop signal arrives (None) or a service exits ((name, exit code))."""
        while not stop_requested.wait(0.5):
            for name, process in services.items():
                if process.poll() is not None:
                    return name, process.returncode
        return None

    def stop(self, services: dict[str, subprocess.Popen], *, timeout: float) -> None:
        """SIGTERM every service's process group, wait up to ``timeout``, then kill."""
        for process in services.values():
            if process.poll() is None:
                signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in services.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop within {timeout:g} s; killing it.")
                signal_group(process, signal.SIGKILL)
                process.wait()
            # Anything the service left behind in its group goes with it.
            signal_group(process, signal.SIGKILL)


def has_bot_department() -> bool:
    try:
        department = bot.bot_department()
        return department is not None and bot.bot_account(department) is not None
    except DatabaseError:  # not migrated yet
        return False


def relay_url(host: str, port: int) -> str:
    """Where the other services reach the web server: itself, or loopback for a wildcard."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def signal_group(process: subprocess.Popen, sig: int) -> None:
    """Signal the service's process group (its id is the service's pid) if any of it is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
