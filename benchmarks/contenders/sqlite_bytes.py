"""Logical bytes stored in a SQLite database: the sum of the lengths of every value in every table.

DBOS and LangGraph persist into SQLite; counting values (not pages) gives a per-turn figure that compares with
the sizes of Restate's journal entries, and does not jump in steps of a page.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sqlite_logical_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        total = 0
        tables = [r[0] for r in connection.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            columns = [r[1] for r in connection.execute(f'pragma table_info("{table}")')]
            if not columns:
                continue
            expression = " + ".join(f'coalesce(length("{c}"), 0)' for c in columns)
            (value,) = connection.execute(f'select coalesce(sum({expression}), 0) from "{table}"').fetchone()
            total += int(value)
        return total
    finally:
        connection.close()


def sqlite_file_bytes(path: Path) -> int:
    """The database file with its write-ahead log and journal."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists())
