"""Django's PostgreSQL backend, with a pool that checks a connection without a round trip.

Django's pool checks each connection it hands out with an empty query (with
``CONN_HEALTH_CHECKS``): a round trip on every request that touches the database. A
connection PostgreSQL closed (a restart, a failover, a terminated backend) has something to
read, the server's farewell or the end of the stream, while an idle healthy one has nothing.
So the socket is looked at first, and only a connection with something to read gets the
round trip, which fails on a dead one: the pool drops it and hands out another.

psycopg converts each statement's ``%s`` placeholders to PostgreSQL's ``$n`` once and keeps
the result, except for statements over 4 KB or 50 parameters, which it converts afresh on
every execution (so that one-off bulk inserts do not evict the statements it keeps). The
intake writes a case with its clocks and events in one statement of about 80 parameters,
the same on every intake: ``CACHED_STATEMENT_PARAMS`` and ``CACHED_STATEMENT_LENGTH`` raise
the limits so it is converted once (a twelfth of the instructions an intake runs). The
cache stays bounded (128 statements, least recently used first out).
"""

from __future__ import annotations

import select

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg import _queries

CACHED_STATEMENT_PARAMS = 200
CACHED_STATEMENT_LENGTH = 16 * 1024
_queries.MAX_CACHED_STATEMENT_PARAMS = max(
    _queries.MAX_CACHED_STATEMENT_PARAMS, CACHED_STATEMENT_PARAMS
)
_queries.MAX_CACHED_STATEMENT_LENGTH = max(
    _queries.MAX_CACHED_STATEMENT_LENGTH, CACHED_STATEMENT_LENGTH
)


def check_connection(conn) -> None:
    """Raise if ``conn`` is dead; ask the server only when the socket has something to say."""
    from psycopg_pool import ConnectionPool

    if conn.closed or _readable(conn.fileno()):
        ConnectionPool.check_connection(conn)


def _readable(fd: int) -> bool:
    # poll, not select: a server holding many sockets has descriptors past select's 1024.
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        """As Django's, with ``check_connection`` as the pool's check."""
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        pools = self._connection_pools  # type: ignore[attr-defined]  # Django's, not in its stubs
        if self.alias not in pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            from psycopg_pool import ConnectionPool

            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # Django sets it as it needs later on
            checks = self.settings_dict["CONN_HEALTH_CHECKS"]
            pool = ConnectionPool(
                kwargs=connect_kwargs,
                open=False,  # opened on first use, as Django's
                configure=self._configure_connection,  # type: ignore[attr-defined]
                check=check_connection if checks else None,
                **({} if pool_options is True else pool_options),
            )
            # setdefault: of threads racing at startup, the first pool set wins.
            pools.setdefault(self.alias, pool)
        return pools[self.alias]
