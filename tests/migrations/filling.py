"""Fill a database of an older schema with the rows it could hold, then read them back, by that schema alone."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import MetaData, Table, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import sort_tables_and_constraints

Rows = dict[str, list[dict]]
# Rows of a kind that came with a column: a schema without that column never held one.
CAME_WITH = {
    ("workshop_events", "stream"): lambda row: row["stream"] != "public",  # the staff stream, with pre-moderation
}


def schema_of(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    if "alembic_version" in metadata.tables:
        metadata.remove(metadata.tables["alembic_version"])
    return metadata


def read_rows(connection: Connection, tables: Iterable[Table]) -> Rows:
    """Every row of these tables (of these columns only), in primary key order."""
    return {
        table.name: [dict(r._mapping) for r in connection.execute(select(table).order_by(*table.primary_key))]
        for table in tables
    }


def insert_order(metadata: MetaData) -> tuple[list[Table], set]:
    """Tables parents first, and the foreign keys to set after every insert: a cycle's nullable ones (a group's
    rapporteur is one of its participants)."""
    cut: set = set()
    while True:
        # filter_fn True: not a dependency of the order, set at the end (SQLAlchemy's "ALTER" bucket).
        order = sort_tables_and_constraints(
            metadata.tables.values(), filter_fn=lambda c, skip=frozenset(cut): True if c in skip else None
        )
        stuck = {c for table, constraints in order if table is None for c in constraints} - cut
        if not stuck:
            return [table for table, _ in order if table is not None], cut
        breakable = {c for c in stuck if all(column.nullable for column in c.columns)}
        assert breakable, f"a cycle of required foreign keys: {stuck}"
        cut |= breakable


def _deferred(table: Table, cut: set) -> list[str]:
    """Columns to fill after every insert: those pointing at the row's own table, or cut from a cycle."""
    return [
        element.parent.name
        for constraint in table.foreign_key_constraints
        if constraint in cut or constraint.referred_table is table
        for element in constraint.elements
    ]


def fill(connection: Connection, season: Rows) -> tuple[Rows, list[str]]:
    """Insert what of the season this schema can hold; returns the rows as read back, and what it could not hold."""
    metadata = schema_of(connection)
    order, cut = insert_order(metadata)
    later: list[tuple[Table, dict, dict]] = []
    left_out = []
    for table in order:
        deferred = _deferred(table, cut)
        required = {c.name for c in table.columns if not c.nullable and c.server_default is None}
        for row in season.get(table.name, []):
            values = {name: value for name, value in row.items() if name in table.columns}
            later_kind = [c for (t, c), came in CAME_WITH.items() if t == table.name and c not in values and came(row)]
            if later_kind:
                left_out.append(f"{table.name}: came with {later_kind[0]}")
                continue
            missing = [name for name in required if values.get(name) is None]
            if missing:  # e.g. a purged vote, with nobody behind it, before purging existed
                left_out.append(f"{table.name}: no {', '.join(missing)}")
                continue
            keys = {c.name: values[c.name] for c in table.primary_key}
            later.append((table, keys, {name: values[name] for name in deferred if values.get(name) is not None}))
            connection.execute(table.insert().values({**values, **dict.fromkeys(deferred)}))
    for table, keys, values in later:
        if values:
            connection.execute(
                table.update().where(*(table.c[name] == value for name, value in keys.items())).values(values)
            )
    if connection.dialect.name == "postgresql":
        # The rows came with their ids: move each sequence past them, as the inserts of a real season did.
        for table in metadata.tables.values():
            if "id" in table.columns and table.c.id.autoincrement in (True, "auto") and len(table.primary_key) == 1:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE(MAX(id), 1)) FROM {table.name}"
                    )
                )
    return read_rows(connection, metadata.tables.values()), left_out
