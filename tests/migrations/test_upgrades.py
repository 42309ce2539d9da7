"""A commune's filled database of every earlier schema upgrades to the newest with every row kept, and still serves.

For each revision a commune may hold (every one before the head: each was on main when a release landed; the first
release, 0ea5f5a of 2026-11-23, shipped c466e1520aa5), on SQLite and PostgreSQL: migrate an empty database to that
revision, fill it by that revision's own schema with what it could hold of a season of use (tests/migrations/journey.py),
upgrade to the head, and compare every row, then open the rooms, the API, the reports and the public pages.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from docx import Document as Docx
from flask_migrate import upgrade
from openpyxl import load_workbook
from sqlalchemy import select, text

from consult.extensions import db, socketio
from consult.reports.export import FORMATS
from tests.conftest import build_app, postgres_url, wipe_postgres
from tests.migrations.filling import Rows, fill, read_rows, schema_of
from tests.migrations.journey import DOCUMENT, LIVE_TOKEN, PHONE_TEXT, PHONE_TOKEN, Season
from tests.realtime.test_live import NS
from tests.reports.conftest import PASSWORD
from tests.reports.test_pdf import has_words, pypdf_text

ROOT = Path(__file__).resolve().parents[2]
# Columns that no season fills: their upgrade is tested on NULL alone, and this says why.
LEFT_EMPTY = {
    ("groups", "name"): "no release has named a group: a table is named by its number in the reader's language",
}


def revisions() -> list[str]:
    """Every revision, oldest first; the head's own filling checks that the season covers its tables and serves."""
    script = ScriptDirectory(str(ROOT / "migrations"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgres"])
def database_uri(request, tmp_path):
    if request.param == "postgres":
        return postgres_url()
    return f"sqlite:///{tmp_path / 'commune.sqlite'}"


def foreign_key_problems(connection) -> list:
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    # PostgreSQL enforces them as rows change: what could still be wrong is a constraint left unvalidated.
    return connection.execute(text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")).all()


@pytest.mark.parametrize("revision", revisions())
def test_a_filled_database_upgrades_with_every_row_and_serves(database_uri, revision, lived, tmp_path, monkeypatch):
    monkeypatch.setenv("BACKUP_FOLDER", str(tmp_path / "backups"))
    app = build_app(database_uri, UPLOAD_FOLDER=str(lived.uploads))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            wipe_postgres()
        try:
            upgrade(revision=revision)
            with db.engine.begin() as connection:
                before, left_out = fill(connection, lived.rows)
            assert_filled(before)
            upgrade()
            with db.engine.connect() as connection:
                after = read_rows(connection, schema_of(connection).tables.values())
                assert foreign_key_problems(connection) == []
            assert_kept(before, after)
            # A backup before the schema changed; none when there was nothing to change.
            backups = list((tmp_path / "backups").glob(f"*-at-{revision}.*"))
            assert len(backups) == (0 if revision == revisions()[-1] else 1)
            assert_serves(app, lived.season, set(before))
        finally:
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                wipe_postgres()
            db.engine.dispose()
    # A row is left out only where that schema could not hold it: a purged vote before purging existed (its voter is
    # gone), a staff event before the staff stream.
    assert set(left_out) <= {"votes: no participant_id", "workshop_events: came with stream"}, left_out


def assert_filled(before: Rows) -> None:
    """Every table of that revision holds rows, and every column a value in some row."""
    assert [name for name, rows in before.items() if not rows] == []
    empty = [
        (name, column)
        for name, rows in before.items()
        for column in rows[0]
        if all(row[column] is None for row in rows) and (name, column) not in LEFT_EMPTY
    ]
    assert empty == [], "fill these in tests/migrations/journey.py, so that their upgrade is tested with data"


def assert_kept(before: Rows, after: Rows) -> None:
    """The same rows, each with the same values in the columns it had: nothing lost, nothing rewritten."""
    for name, rows in before.items():
        assert len(after[name]) == len(rows), name
        for old, new in zip(rows, after[name], strict=True):
            assert {column: new[column] for column in old} == old, name


def assert_serves(app, season: Season, filled: set[str]) -> None:
    """What the commune's people open answers, on the data that the older schema held (filled: its tables)."""
    public, consultation = "processes" in filled, "consultation_comments" in filled
    for model in db.Model.__subclasses__():  # every model reads the rows of its table
        if model.__tablename__ in filled:
            assert db.session.scalars(select(model)).all(), model.__name__

    # The phone that took part opens its room; the API describes the workshop.
    phone = app.test_client()
    with phone.session_transaction() as session:
        session["participants"] = {season.code: PHONE_TOKEN}
    room = phone.get(f"/w/{season.code}")
    assert room.status_code == 200 and PHONE_TEXT in room.get_data(as_text=True)
    api = phone.get(f"/api/v1/workshops/{season.code}")
    assert api.status_code == 200 and api.get_json()["code"] == season.code

    # A phone of the workshop still open replays its log and votes: its numbering goes on after the upgrade.
    live = socketio.test_client(app, namespace=NS, auth={"workshop": season.live_code, "token": LIVE_TOKEN})
    assert live.is_connected(NS)
    synced = live.emit("sync", {"since": 0}, namespace=NS, callback=True)
    assert synced["ok"] and [e["seq"] for e in synced["events"]] == list(range(1, synced["seq"] + 1))
    state = live.emit("state", {}, namespace=NS, callback=True)
    card = next(i for i in state["items"] if i["text"].startswith("La piste"))
    voted = live.emit("vote", {"client_id": "after-upgrade", "item_id": card["id"]}, namespace=NS, callback=True)
    assert voted["ok"] and voted["seq"] == synced["seq"] + 1, voted
    live.disconnect(NS)

    # The facilitator's control panel, board and every report format.
    staff = app.test_client()
    assert staff.post("/login", data={"email": season.facilitator_email, "password": PASSWORD}).status_code == 302
    for path in (f"/facilitate/{season.code}/control", f"/w/{season.code}/board", f"/reports/{season.code}"):
        assert staff.get(path).status_code == 200, path
    title = "تعميم الحاويات على جميع الدواوير"  # the first recommendation
    problem = "غياب حاويات النفايات في الدواوير"  # the problem it came from
    for fmt in FORMATS:
        report = staff.get(f"/reports/{season.code}/download?format={fmt}&lang=ar")
        assert report.status_code == 200, fmt
        # Every format carries the contributions; all but the CSV of contributions, the recommendations too.
        for phrase in (problem,) if fmt == "csv" or "recommendations" not in filled else (problem, title):
            assert reads(fmt, report.data, phrase), (fmt, phrase)

    if public:
        base = f"/p/{season.commune_slug}/{season.process_slug}"
        reader = app.test_client()
        for path, phrase in ((base, title), (f"{base}/feed.atom", title), (f"{base}/workshops/{season.code}", problem)):
            page = reader.get(path)
            assert page.status_code == 200 and phrase in page.get_data(as_text=True), path
        data = reader.get(f"{base}.json")
        assert data.status_code == 200 and title in json.dumps(data.get_json(), ensure_ascii=False)
        assert reader.get(f"{base}/documents/{season.document_id}").data == DOCUMENT
        pdf = reader.get(f"{base}/workshops/{season.code}/report.pdf")
        assert pdf.status_code == 200 and reads("pdf", pdf.data, title)
        assert staff.get(f"/processes/{season.process_id}").status_code == 200
    if consultation:
        page = app.test_client().get(f"/p/{season.commune_slug}/{season.process_slug}/consultation")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
        assert staff.get(f"/processes/{season.process_id}/consultation").status_code == 200


def reads(fmt: str, data: bytes, phrase: str) -> bool:
    """Does the file, opened as its reader would open it, say phrase?"""
    if fmt == "pdf":
        return has_words("".join(pypdf_text(data)), phrase)
    return phrase in report_text(fmt, data)


def report_text(fmt: str, data: bytes) -> str:
    if fmt == "docx":
        document = Docx(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    return data.decode()
