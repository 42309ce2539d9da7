"""`flask db upgrade` as a commune runs it: a backup first, an upgrade that commits whole or not at all, and the
printed way back that works."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import postgres_url
from tests.liveserver import run_flask as flask
from tests.migrations.filling import fill, read_rows, schema_of

FIRST_REVISION = "bf469aab8f3b"
FIRST_RELEASE = "c466e1520aa5"  # the schema of 0ea5f5a, the first release
BEFORE_PROCESSES = "d4a8e61b3c05"  # the next upgrade rebuilds the workshops table, which every other table points at


def environment(url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_CONFIG": "development", **extra}
    env.pop("BACKUP_FOLDER", None)
    return env


def filled(url: str, env: dict[str, str], revision: str, rows) -> dict:
    """A database at revision holding what it can of the season; its rows as read back."""
    done = flask(env, "db", "upgrade", revision)
    assert done.returncode == 0, done.stderr
    engine = create_engine(url)
    with engine.begin() as connection:
        before, _ = fill(connection, rows)
    engine.dispose()
    return before


def rows_now(url: str) -> tuple[str, dict]:
    """The revision and every row of the database at url."""
    engine = create_engine(url)
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        rows = read_rows(connection, schema_of(connection).tables.values())
    engine.dispose()
    return revision, rows


def restore_commands(output: str) -> list[str]:
    """The commands that the upgrade printed to go back."""
    found = re.search(r"stop every Tashawur process, then:\n((?:  .+\n?)+)", output)
    assert found, output
    return [line.strip() for line in found.group(1).splitlines()]


def test_sqlite_backup_holds_the_rows_still_in_the_wal_and_the_printed_commands_restore_it(tmp_path, lived):
    (tmp_path / "ait amira").mkdir()  # a folder's name with a space: the printed commands quote it
    database = tmp_path / "ait amira" / "tashawur.sqlite"
    url = f"sqlite:///{database}"
    env = environment(url)
    before = filled(url, env, FIRST_RELEASE, lived.rows)
    # A phone's last post, committed but not yet copied from the WAL into the database file: a file copy misses it.
    holder = sqlite3.connect(database)
    holder.execute("PRAGMA wal_autocheckpoint=0")
    holder.execute("UPDATE communes SET name_fr = 'Aït Amira (dernier mot)'")
    holder.commit()
    shutil.copy(database, tmp_path / "file-copy.sqlite")
    assert sqlite3.connect(tmp_path / "file-copy.sqlite").execute("SELECT name_fr FROM communes").fetchone() != (
        "Aït Amira (dernier mot)",
    )
    before["communes"][0]["name_fr"] = "Aït Amira (dernier mot)"

    done = flask(env, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    backup = re.search(r"was backed up to (.+) before its schema changes", done.stderr).group(1)
    assert backup.startswith(str(tmp_path / "ait amira" / "backups"))
    assert backup.endswith(f"-at-{FIRST_RELEASE}.sqlite")
    assert rows_now(f"sqlite:///{backup}") == (FIRST_RELEASE, before)
    assert rows_now(url)[0] != FIRST_RELEASE

    holder.close()  # "stop every Tashawur process"
    for command in restore_commands(done.stderr):
        subprocess.run(command, shell=True, check=True)
    assert rows_now(url) == (FIRST_RELEASE, before)


def test_an_upgrade_that_would_leave_a_broken_row_is_refused_whole(tmp_path, lived):
    database = tmp_path / "tashawur.sqlite"
    url = f"sqlite:///{database}"
    env = environment(url)
    filled(url, env, BEFORE_PROCESSES, lived.rows)
    with sqlite3.connect(database) as broken:  # an old bug's orphan: a vote for an item deleted since
        broken.execute("PRAGMA foreign_keys=OFF")
        broken.execute(
            "INSERT INTO votes (participant_id, item_id, weight, created_at) VALUES (1, 9999, 1, '2026-01-01')"
        )
    revision, before = rows_now(url)

    done = flask(env, "db", "upgrade")
    assert done.returncode != 0
    assert "1 foreign keys point at rows that do not exist (votes row" in done.stderr
    assert "The schema change failed and was rolled back" in done.stderr and "restore the backup" in done.stderr
    # Not halfway: the earlier steps of this upgrade (a rebuilt workshops table, the process tables) are undone too.
    assert rows_now(url) == (BEFORE_PROCESSES, before)
    assert "processes" not in inspect(create_engine(url)).get_table_names()


@pytest.mark.postgres
def test_no_upgrade_without_a_backup_unless_the_operator_made_their_own(tmp_path, lived):
    url = postgres_url()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        env = environment(url, BACKUP_FOLDER=str(tmp_path / "backups"))
        filled(url.replace("postgresql://", "postgresql+psycopg://"), env, FIRST_RELEASE, lived.rows)
        without_pg_dump = {**env, "PATH": os.path.dirname(sys.executable)}
        refused = flask(without_pg_dump, "db", "upgrade")
        assert refused.returncode != 0 and "could not be backed up first (pg_dump was not found" in refused.stderr
        assert "-x backup=off" in refused.stderr
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == FIRST_RELEASE
        assert flask(without_pg_dump, "db", "upgrade", "-x", "backup=off").returncode == 0
        assert not (tmp_path / "backups").exists()
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


@pytest.mark.postgres
def test_postgres_is_dumped_first_and_the_printed_commands_restore_it(tmp_path, lived):
    # A password in the address (the test server trusts loopback and ignores it) is never printed nor put on a
    # command line.
    url = postgres_url().replace("://postgres@", "://postgres:not-for-your-eyes@")
    psycopg_url = url.replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(psycopg_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    try:
        env = environment(url, BACKUP_FOLDER=str(tmp_path / "backups"))
        before = filled(psycopg_url, env, FIRST_RELEASE, lived.rows)
        done = flask(env, "db", "upgrade")
        assert done.returncode == 0, done.stderr
        assert re.search(rf"was backed up to \S+-at-{FIRST_RELEASE}\.dump", done.stderr)
        assert "not-for-your-eyes" not in done.stderr + done.stdout
        assert rows_now(psycopg_url)[0] != FIRST_RELEASE
        for command in restore_commands(done.stderr):
            subprocess.run(command, shell=True, check=True, capture_output=True)
        assert rows_now(psycopg_url) == (FIRST_RELEASE, before)
    finally:
        engine = create_engine(psycopg_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()


def test_downgrading_to_nothing_is_backed_up_too(tmp_path, lived):
    url = f"sqlite:///{tmp_path / 'tashawur.sqlite'}"
    env = environment(url)
    before = filled(url, env, FIRST_REVISION, lived.rows)
    done = flask(env, "db", "downgrade", "base")
    assert done.returncode == 0, done.stderr
    backup = re.search(r"was backed up to (\S+) before its schema changes", done.stderr).group(1)
    assert rows_now(f"sqlite:///{backup}") == (FIRST_REVISION, before)
