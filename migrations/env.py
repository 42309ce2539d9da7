import logging
from logging.config import fileConfig

from alembic import context
from alembic.runtime.migration import MigrationContext
from flask import current_app

from consult.backups import BackupError, backup_database

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name, disable_existing_loggers=False)  # the app migrating in-process keeps its loggers
logger = logging.getLogger("alembic.env")


def get_engine():
    return current_app.extensions["migrate"].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
    except AttributeError:
        return str(get_engine().url).replace("%", "%%")


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option("sqlalchemy.url", get_engine_url())
target_db = current_app.extensions["migrate"].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=get_metadata(), literal_binds=True)

    with context.begin_transaction():
        context.run_migrations()


def revision_to_keep(connection) -> str | None:
    """The revision of a database that this command will change (upgrade, downgrade, stamp), else None."""
    try:
        destination = context.get_revision_argument()  # None: base, as in `downgrade base`
    except KeyError:  # current, check, history, migrate: they only read
        return None
    current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:  # an empty database: nothing to keep
        return None
    try:
        wanted = {revision.revision for revision in context.script.get_revisions(destination)}
    except Exception:  # relative steps (+1, -1): something will change
        wanted = set()
    return None if wanted == current else "-".join(sorted(current))


def take_backup(connectable):
    """Back the database up before its schema changes; `-x backup=off` when the operator has just made their own."""
    if context.get_x_argument(as_dictionary=True).get("backup") == "off":
        return None
    if connectable.url.get_backend_name() == "sqlite" and connectable.url.database in (None, "", ":memory:"):
        return None  # a database in memory ends with its process: nothing to keep
    with connectable.connect() as connection:
        revision = revision_to_keep(connection)
    if revision is None:
        return None
    try:
        backup = backup_database(connectable.url, f"at-{revision}")
    except BackupError as error:
        raise SystemExit(
            f"No upgrade: the database could not be backed up first ({error}).\n"
            "Back it up yourself, then run `flask --app app db upgrade -x backup=off`."
        ) from error
    logger.info("The database (revision %s) was backed up to %s before its schema changes.", revision, backup.path)
    return backup


def check_foreign_keys(connection) -> None:
    """SQLite checked no foreign key while the tables were rebuilt: refuse to commit a row that points at nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        shown = "; ".join(
            f"{table} row {rowid} points at a missing {parent}" for table, rowid, parent, _ in broken[:10]
        )
        raise RuntimeError(f"{len(broken)} foreign keys point at rows that do not exist ({shown}): nothing was changed")


def run_migrations_online():
    """Run migrations in 'online' mode: one transaction for the whole upgrade, on PostgreSQL and SQLite alike, so
    that a failed step leaves the database as it was."""

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()
    backup = take_backup(connectable)

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by rebuilding it (copy, drop, rename). With foreign keys on, dropping a table
            # that others point at is refused, and ON DELETE CASCADE empties its children. SQLite's documented way:
            # foreign keys off outside any transaction, the changes, then foreign_key_check before the commit.
            driver = connection.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")
            if driver.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
                raise RuntimeError("foreign keys are still on: a transaction was open before the migrations")
        try:
            # SQLite's DDL is transactional too: the whole upgrade commits at once, or not at all.
            steps = []
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                transactional_ddl=True,
                on_version_apply=lambda **applied: steps.append(applied["step"]),
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite and steps:  # a command that changed nothing has nothing to check
                    check_foreign_keys(connection)
        except BaseException:
            if backup is not None:
                logger.error(
                    "The schema change failed and was rolled back. If the database is not as it was, restore the backup %s: "
                    "%s",
                    backup.path,
                    backup.restore,
                )
            raise
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")
        if backup is not None:
            logger.info("To go back to the database as it was: %s", backup.restore)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
