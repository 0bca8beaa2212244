"""Run the whole product on one machine: the ASGI server, a Celery worker and beat."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from casehub.demo.management.commands.seed_demo import ACCOUNTS


class Command(BaseCommand):
    help = "Start the ASGI server on 127.0.0.1:PORT with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, host, port, **options):
        python = sys.executable
        var = str(settings.VAR_DIR)
        commands = {
            "web": [
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
                python,
                "-m",
                "celery",
                "-A",
                "casehub",
                "worker",
                "--loglevel",
                "warning",
                "--concurrency",
                "2",
                "--pool",
                "threads",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "casehub",
                "beat",
                "--loglevel",
                "warning",
                "--schedule",
                os.path.join(var, "celerybeat-schedule"),
            ],
        }
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"CaseHub is running at {url}"))
        self.stdout.write(f"  API docs: {url}api/docs/   admin: {url}admin/")
        self.stdout.write(f"  Accounts (password casehub-demo): {ACCOUNTS}")
        self.stdout.write("  Press Ctrl-C to stop.")
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [name for name, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(stopped)} stopped; shutting down the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            for p in processes.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes.values():
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
