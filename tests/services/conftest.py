import pytest

from tests.conftest import postgres_url


@pytest.fixture(params=["sqlite", "postgres"])
def database_uri(request, tmp_path):
    """Every service test runs on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        return postgres_url()
    return f"sqlite:///{tmp_path / 'test.sqlite'}"
