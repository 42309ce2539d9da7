"""A copy of the database taken before its schema changes (migrations/env.py), and how to put it back."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL

from config import INSTANCE_DIR


class BackupError(RuntimeError):
    """The backup could not be made: the upgrade does not start."""


@dataclass(frozen=True)
class Backup:
    path: Path
    restore: str  # the commands that put it back, for the operator to read


def backup_folder(url: URL) -> Path:
    """BACKUP_FOLDER, else beside a SQLite file (its disk, its owner), else the instance folder's backups/."""
    if folder := os.environ.get("BACKUP_FOLDER"):
        return Path(folder)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(url.database).resolve().parent / "backups"
    return INSTANCE_DIR / "backups"


def backup_database(url: URL, label: str) -> Backup:
    """Copy the database at url into backup_folder(url), named by label and the time; raise BackupError if it fails."""
    folder = backup_folder(url)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"could not make the folder {folder}: {error}") from error
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _backup_sqlite(Path(url.database), folder / f"tashawur-{stamp}-{label}.sqlite")
    if backend == "postgresql":
        return _backup_postgres(url, folder / f"tashawur-{stamp}-{label}.dump")
    raise BackupError(f"no backup method for {backend}")


def _backup_sqlite(database: Path, target: Path) -> Backup:
    # The online backup API, not a file copy: in WAL mode the newest rows are still in the -wal file.
    try:
        source = sqlite3.connect(database)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise BackupError(f"could not copy {database} to {target}: {error}") from error
    here, copy = shlex.quote(str(database)), shlex.quote(str(target))
    restore = f"stop every Tashawur process, then:\n  rm -f {here}-wal {here}-shm\n  cp {copy} {here}"
    return Backup(target, restore)


def _backup_postgres(url: URL, target: Path) -> Backup:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump was not found: install PostgreSQL's client tools of the server's version")
    # The password travels in the environment, not on a command line that `ps` shows.
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    plain = url.set(drivername="postgresql")._replace(password=None).render_as_string(hide_password=False)
    result = subprocess.run(
        [pg_dump, "--format=custom", f"--file={target}", f"--dbname={plain}"],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    # One transaction: the schema emptied (tables the upgrade added would stay beside the restored ones), then the
    # dump, so that a failed restore leaves the database as it was. The database is Tashawur's own.
    dbname, dump = shlex.quote(f"--dbname={plain}"), shlex.quote(str(target))
    restore = (
        "stop every Tashawur process, then:\n"
        f"  pg_restore --no-owner --file=- {dump} | psql -X -v ON_ERROR_STOP=1 --single-transaction {dbname} "
        "--command='DROP SCHEMA public CASCADE; CREATE SCHEMA public' --file=-"
    )
    return Backup(target, restore)
