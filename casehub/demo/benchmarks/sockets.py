"""Open sockets for ``benchmark load``, held in a process of their own.

Receiving thousands of live messages a second costs CPU; in the process that times the
HTTP requests it would slow the clock it reads. So the sockets live here, in a process
spawned without Django: ``hold(port, paths, pipe)`` opens every path and says ``ready``;
between ``measure`` and ``report`` it times each case event (from the event's time to its
arrival) and sends those figures back; on ``stop`` it closes every socket and says how many
opened, and how many the server dropped.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime


def hold(port: int, paths: list[str], pipe) -> None:
    asyncio.run(_hold(port, paths, pipe))


async def _hold(port: int, paths: list[str], pipe) -> None:
    from websockets.asyncio.client import connect

    stop = asyncio.Event()
    state = {"measuring": False, "opened": 0, "dropped": 0, "received": 0}
    failed: list[str] = []
    delays: list[float] = []
    limit = asyncio.Semaphore(25)  # a floor's pages open over a while, not in one instant
    attempted = 0
    all_tried = asyncio.Event()

    def receive(raw) -> None:
        if not state["measuring"]:
            return
        now = time.time()
        message = json.loads(raw)
        if message.get("type") == "case.updated":
            state["received"] += 1
            delays.append(now - datetime.fromisoformat(message["at"]).timestamp())

    async def one(path: str) -> None:
        nonlocal attempted
        socket = None
        try:
            async with limit:
                socket = await connect(f"ws://127.0.0.1:{port}{path}", open_timeout=60)
        except Exception as failure:  # counted and reported, never hidden
            failed.append(repr(failure))
        attempted += 1
        if attempted == len(paths):
            all_tried.set()
        if socket is None:
            return
        state["opened"] += 1
        try:
            async with socket:
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
                    except TimeoutError:
                        continue
                    receive(raw)
        except Exception:  # the server closed it
            if not stop.is_set():
                state["dropped"] += 1

    holders = [asyncio.create_task(one(path)) for path in paths]
    await all_tried.wait()
    pipe.send("ready")
    loop = asyncio.get_running_loop()
    while (command := await loop.run_in_executor(None, pipe.recv)) != "stop":
        if command == "measure":
            delays.clear()
            state["received"] = 0
            state["measuring"] = True
        elif command == "report":
            state["measuring"] = False
            pipe.send({"received": state["received"], "delays": list(delays)})
    stop.set()
    await asyncio.gather(*holders)
    pipe.send({"opened": state["opened"], "dropped": state["dropped"], "failed": failed})
