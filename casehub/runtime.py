"""Tuning for long-lived server processes (the WSGI and ASGI entry points call it)."""

import gc


def tune_garbage_collection() -> None:
    """Keep startup objects out of collections and collect the young generation less often.

    A full collection walks every object Django and its libraries created at import; in a
    server process that cost (~100 ms on a 2-core machine) lands on one unlucky request.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
