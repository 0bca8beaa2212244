"""Senders for the notice tests: one that fails as told and counts what it delivered."""

import threading
import time

from peak.senders import SendError

delivered: list[str] = []
failures = {"left": 0, "retry": True}
slow = {"seconds": 0.0}
_lock = threading.Lock()


def reset(*, fail: int = 0, retry: bool = True, seconds: float = 0.0) -> None:
    delivered.clear()
    failures.update(left=fail, retry=retry)
    slow["seconds"] = seconds


class CountingSender:
    def __init__(self, channel: str):
        self.channel = channel

    def send(self, *, key: str, address: str, subject: str, text: str) -> str:
        time.sleep(slow["seconds"])
        with _lock:
            if failures["left"]:
                failures["left"] -= 1
                raise SendError("provider unavailable", retry=failures["retry"])
            delivered.append(key)
        return f"test:{key}"


class BrokenSender:
    """A provider's SDK raising its own error (not ``SendError``)."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, *, key: str, address: str, subject: str, text: str) -> str:
        raise RuntimeError("provider SDK exploded")
