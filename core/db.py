"""Several inserts in one round trip, for the hot paths that write a handful of rows at once.

Django runs one statement per model. On PostgreSQL a data-modifying ``WITH`` runs several
inserts as one statement; the SQL of each comes from Django's own insert compiler, so
defaults, ``auto_now_add`` and JSON are exactly what ``bulk_create`` would send (its rows
as ``VALUES``). Elsewhere each group is bulk-created as it is added.

Django's foreign keys on PostgreSQL are checked at commit (``DEFERRABLE INITIALLY
DEFERRED``), so a row may name a parent inserted in the same statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

M = TypeVar("M", bound=models.Model)


#: Up to this many rows an insert is a hot path's handful: its rows go as ``VALUES`` and its
#: compiled SQL is kept. More rows take ``bulk_create``'s own form, compiled each time.
FEW_ROWS = 16
#: Compiled ``INSERT``s by shape (model, primary key given or not, row count, ``RETURNING``,
#: conflict handling): a hot path writes the same shapes over and over, and compiling one
#: costs more than preparing its values.
_compiled: dict[tuple, str] = {}


def insert_sql(
    objs: Sequence[models.Model], *, returning: bool = False, **conflict
) -> tuple[str, tuple]:
    """The ``INSERT`` that ``bulk_create`` would run for ``objs`` (all of one model, all with
    or all without their primary key), ``RETURNING`` the primary key if asked.

    ``conflict`` is ``on_conflict``, ``update_fields`` and ``unique_fields`` as
    ``InsertQuery`` takes them (field objects). Compiling runs the fields' ``pre_save``:
    ``auto_now_add`` values are on the objects afterwards. A shape compiled before reuses
    its SQL and only prepares the values, as the compiler would (``pre_save``, then
    ``get_db_prep_save``), unless a value is an expression."""
    opts = objs[0]._meta
    database = connections[DEFAULT_DB_ALIAS]  # not the proxy: asked for each value
    with_pk = objs[0].pk is not None
    fields = [
        field
        for field in opts.concrete_fields
        if not field.generated and (with_pk or not isinstance(field, models.AutoField))
    ]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    shape = (
        database.alias,
        opts.label,
        with_pk,
        len(objs),
        returning,
        conflict.get("on_conflict"),
        tuple(field.column for field in conflict.get("update_fields") or ()),
        tuple(field.column for field in conflict.get("unique_fields") or ()),
    )
    few = len(objs) <= FEW_ROWS
    # Values that are expressions (None here) only the compiler can place: never kept.
    rows = _prepared_values(fields, objs, database) if few else None
    if rows is not None and shape in _compiled:
        return _compiled[shape], tuple(value for row in rows for value in row)
    query = InsertQuery(opts.model, **conflict)
    query.insert_values(fields, list(objs))
    compiler = query.get_compiler(connection=database)
    compiler.returning_fields = [opts.pk] if returning else None
    # A few rows go as VALUES, not PostgreSQL's bulk UNNEST form: UNNEST spares the planner
    # work on many rows, but these statements are prepared once per connection anyway, and
    # psycopg dumps each array parameter in Python, element by element.
    if few:
        compiler.assemble_as_sql = partial(SQLInsertCompiler.assemble_as_sql, compiler)
    [(sql, params)] = compiler.as_sql()
    if rows is not None and not any(hasattr(field, "get_placeholder") for field in fields):
        _compiled[shape] = sql
    return sql, tuple(params)


def _prepared_values(
    fields: Sequence[models.Field], objs: Sequence[models.Model], database
) -> list[list[Any]] | None:
    """Each object's values as the insert compiler prepares them; ``None`` when one is an
    expression (only the compiler can place it)."""
    rows = []
    for obj in objs:
        row = []
        for model_field in fields:
            value = model_field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                return None
            row.append(model_field.get_db_prep_save(value, connection=database))
        rows.append(row)
    return rows


def mark_saved(objs: Iterable[models.Model]) -> None:
    """Tell Django these objects are rows now, as ``save()`` and ``bulk_create()`` do."""
    alias = connection.alias
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


@dataclass
class _Group:
    objs: list[models.Model]
    sql: str
    params: tuple
    needs_ids: bool


@dataclass
class Inserts:
    """New rows of several models, written by ``run()`` in one statement on PostgreSQL.

    ``add()`` takes one model's objects and returns them; later groups may refer to earlier
    ones (give a parent its primary key before adding its children). Elsewhere ``add()``
    bulk-creates the group at once and ``run()`` has nothing left to do. Objects without a
    primary key get theirs, in order, as ``bulk_create`` gives them."""

    groups: list[_Group] = field(default_factory=list)

    def add(self, objs: Iterable[M]) -> list[M]:
        objs = list(objs)
        if not objs:
            return objs
        if connection.vendor != "postgresql":
            return type(objs[0])._base_manager.bulk_create(objs)
        needs_ids = objs[0].pk is None
        sql, params = insert_sql(objs, returning=needs_ids)
        self.groups.append(_Group(list(objs), sql, params, needs_ids))
        return objs

    def run(self) -> None:
        groups, self.groups = self.groups, []
        if not groups:
            return
        quote = connection.ops.quote_name
        ctes: list[str] = []
        params: list[Any] = []
        reads: list[str] = []
        for index, group in enumerate(groups):
            ctes.append(f"i{index} AS ({group.sql})")
            params.extend(group.params)
            if group.needs_ids:
                pk = quote(group.objs[0]._meta.pk.column)
                reads.append(f"SELECT {index} AS g, {pk} FROM i{index}")
        # A data-modifying WITH runs whether or not it is read. Ids come back per group;
        # a sequence hands them out in the order the rows were inserted.
        select = " UNION ALL ".join(reads) + " ORDER BY 1, 2" if reads else "SELECT 1"
        with connection.cursor() as cursor:
            cursor.execute(f"WITH {', '.join(ctes)} {select}", params)
            rows = cursor.fetchall() if reads else []
        returned: dict[int, list] = {}
        for index, value in rows:
            returned.setdefault(index, []).append(value)
        for index, group in enumerate(groups):
            if group.needs_ids:
                for obj, value in zip(group.objs, returned.get(index, ()), strict=True):
                    obj.pk = value
            mark_saved(group.objs)
