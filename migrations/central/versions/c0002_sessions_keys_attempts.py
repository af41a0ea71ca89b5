"""Central database: our additive tables for login sessions, login attempts and API keys.

Revision ID: c0002
Revises: c0001
"""

from alembic import op

from models.central import central_registry
from services.migrations import ensure_tables

revision = "c0002"
down_revision = "c0001"
branch_labels = None
depends_on = None

TABLES = ("UserSession", "LoginAttempt", "ApiKey")


def upgrade() -> None:
    ensure_tables(op.get_bind(), central_registry.metadata, TABLES)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
