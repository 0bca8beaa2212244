"""Model instances from the rows of a hand-written statement, for hot paths.

``Model.objects.raw()`` works out afresh for every query which columns are fields, in what
order the model takes them and how each is converted; on a statement every intake runs that
costs more than reading the row. A ``RowReader`` works it out once per model and database:
the statement selects ``reader.columns(alias)`` first, and ``reader.read(row)`` answers the
instance, converted as the ORM converts it, and the columns that followed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

Converters = list[tuple[int, Any, list[Callable]]]


class RowReader(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields
        self.names = [field.attname for field in self.fields]
        self._converters: dict[str, Converters] = {}

    def columns(self, alias: str) -> str:
        """The model's columns, in the order ``read`` takes them."""
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)

    def read(self, row: Sequence[Any]) -> tuple[M, Sequence[Any]]:
        """The instance the row's first columns make, and the row's other columns."""
        count = len(self.fields)
        values = list(row[:count])
        for index, column, converters in self._converters_here():
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(connection.alias, self.names, values), row[count:]

    def _converters_here(self) -> Converters:
        # What SQLCompiler.apply_converters would run: the backend's, then the field's own.
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.model._meta.db_table)
                converters = connection.ops.get_db_converters(column)
                converters += column.get_db_converters(connection)
                if converters:
                    found.append((index, column, converters))
            self._converters[connection.vendor] = found
        return found
