"""An issuer for the topology tests: it reports each call and holds until the test lets go.

A kind whose issuer is ``tests.topology_issuer.held_voucher`` (allowed through
``CASEHUB_COMPENSATION_ISSUER_MODULES``) pushes ``{"grant", "pid", "code"}`` onto the Redis
list ``topology-issuer-calls`` when a worker calls it, then waits until the key
``topology-issuer-release`` exists, so the test can kill the worker in the middle of issuing.
"""

import json
import os
import time

import redis

from compensation.issuers import voucher_code

CALLS = "topology-issuer-calls"
RELEASE = "topology-issuer-release"


def held_voucher(grant) -> str:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    code = voucher_code(grant)
    client.rpush(CALLS, json.dumps({"grant": grant.pk, "pid": os.getpid(), "code": code}))
    deadline = time.monotonic() + 120
    while not client.exists(RELEASE) and time.monotonic() < deadline:
        time.sleep(0.05)
    return code
