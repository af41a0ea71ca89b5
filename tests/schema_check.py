"""Comparing a live database with tests/expected_schema.py."""

from __future__ import annotations

import sqlalchemy as sa


def missing_columns(engine: sa.Engine, expected: dict[str, list[str]]) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    missing: dict[str, list[str]] = {}
    for table, columns in expected.items():
        if table not in tables:
            missing[table] = ["<table>"]
            continue
        have = {c["name"] for c in inspector.get_columns(table)}
        lacking = [c for c in columns if c not in have]
        if lacking:
            missing[table] = lacking
    return missing


def unique_sets(engine: sa.Engine, table: str) -> set[tuple[str, ...]]:
    inspector = sa.inspect(engine)
    found = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
    found |= {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i.get("unique")}
    return found


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[str, str]]]:
    inspector = sa.inspect(engine)
    return {
        t: sorted((c["name"], str(c["type"])) for c in inspector.get_columns(t))
        for t in sorted(inspector.get_table_names())
    }
