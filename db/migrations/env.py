"""Alembic environment: runs on the connection db.migrate.upgrade hands over, or, from the
alembic command line, on the database the settings point at."""

from alembic import context

from db.schema import Base, UtcDateTime

config = context.config


def render_item(type_, obj, autogen_context):
    # Migrations must not import app code that later changes: write the plain column type.
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(connection) -> None:
    # render_as_batch: SQLite alters tables by copying them; autogenerate writes that form.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from core.basics.settings import load_settings
    from db.engine import get_engine

    with get_engine(load_settings()).begin() as connection:
        run_migrations(connection)
