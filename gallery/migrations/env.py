"""Alembic's entry: runs the migrations on the connection gallery.migrate hands over."""

from alembic import context

from gallery.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table_schema=config.attributes["schema"],
)
with context.begin_transaction():
    context.run_migrations()
