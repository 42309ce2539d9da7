from tests.liveserver import flask_cli, prepare_database


def test_migrations_create_the_schema_the_models_describe(tmp_path):
    env, code, email, _password, _public = prepare_database(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert len(code) == 6 and "@" in email
    # `db check` fails when the models have changes no migration covers.
    assert "No new upgrade operations detected" in flask_cli(env, "db", "check")
