"""The season of use that every upgrade test copies into an older schema."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from consult.extensions import db
from tests.conftest import build_app
from tests.migrations.filling import Rows, read_rows, schema_of
from tests.migrations.journey import Season, live_a_season


@dataclass
class Lived:
    season: Season
    rows: Rows
    uploads: Path


@pytest.fixture(scope="session")
def lived(tmp_path_factory) -> Lived:
    """A season of use, lived once through the services in a database of the newest schema, read back as rows."""
    folder = tmp_path_factory.mktemp("season")
    app = build_app(f"sqlite:///{folder / 'season.sqlite'}", UPLOAD_FOLDER=str(folder / "uploads"))
    with app.app_context():
        db.create_all()
        season = live_a_season()
        with db.engine.connect() as connection:
            rows = read_rows(connection, schema_of(connection).tables.values())
        db.session.remove()
        db.engine.dispose()
    return Lived(season, rows, folder / "uploads")
