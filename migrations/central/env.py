"""Alembic environment for the central database(s); run through services.migrations, not the alembic CLI."""

from alembic import context

from models.central import central_registry

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=central_registry.metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
