"""The chatbot platform of the demo: a department system on the far side of the API.

It receives CaseHub's signed task webhooks on its own HTTP port, refuses any post whose
``X-CaseHub-Signature`` does not match, and works each task given to its department the way
any department's system does: ``accept``, then ``complete`` with an outcome, through
``POST /api/v1/tasks/{id}/transitions/`` with its own API token. Duplicate deliveries (the
same ``X-CaseHub-Delivery``) are answered once.

A real platform would send the follow-up to the customer in the chat; this one writes what
it would have said as the task's outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

logger = logging.getLogger(__name__)


class BotPlatform:
    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        secret: str,
        department: str = "bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_url = api_url.rstrip("/") + "/"
        self.token = token
        self.secret = secret.encode()
        self.department = department
        self.completed: list[int] = []
        self.refused = 0
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._work: queue.Queue[dict | None] = queue.Queue()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self._threads: list[threading.Thread] = []

    @property
    def webhook_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/webhook"

    def start(self) -> BotPlatform:
        for target in (self.server.serve_forever, self._work_tasks):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        """Run in the foreground (the demo's ``bot_platform`` command)."""
        worker = threading.Thread(target=self._work_tasks, daemon=True)
        worker.start()
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._work.put(None)

    def signed(self, body: bytes, signature: str) -> bool:
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature or "")

    # --- receiving ---

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if not platform.signed(body, self.headers.get("X-CaseHub-Signature", "")):
                    with platform._lock:
                        platform.refused += 1
                    self._answer(401)
                    return
                delivery = self.headers.get("X-CaseHub-Delivery", "")
                with platform._lock:
                    duplicate = delivery in platform._seen
                    platform._seen.add(delivery)
                try:
                    posted = json.loads(body)
                except ValueError:
                    self._answer(400)
                    return
                if not duplicate:
                    platform._take(posted)
                self._answer(202)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args) -> None:  # quiet: the demo's terminal
                logger.debug(format, *args)

        return Handler

    def _take(self, posted: dict) -> None:
        data = posted.get("data") or {}
        if posted.get("event") == "task_assigned" and data.get("department") == self.department:
            self._work.put(data)

    # --- working the task through the API ---

    def _work_tasks(self) -> None:
        while (task := self._work.get()) is not None:
            try:
                self._follow_up(task)
            except (urllib.error.URLError, OSError, ValueError) as problem:
                logger.warning("The bot could not work task %s: %s", task.get("task"), problem)

    def _follow_up(self, task: dict) -> None:
        task_id = task["task"]
        self._fire(task_id, {"transition": "accept"})
        outcome = f"Sent to the customer in the chat: {task.get('title', '')}"
        self._fire(task_id, {"transition": "complete", "outcome": outcome[:2000]})
        with self._lock:
            self.completed.append(task_id)

    def _fire(self, task_id: int, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.api_url}tasks/{task_id}/transitions/",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {self.token}",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")
