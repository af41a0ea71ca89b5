"""Orchestra database: the 21 documented tables of the earlier StageSub system.

Ensure-style: on a database of the earlier system the tables exist and only missing columns and indexes
are added; nothing is dropped or rewritten.

Revision ID: o0001
Revises:
"""

from alembic import op

from models.orchestra import ORCHESTRA_DOCUMENTED_TABLES, orchestra_registry
from services.migrations import ensure_tables

revision = "o0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_tables(op.get_bind(), orchestra_registry.metadata, ORCHESTRA_DOCUMENTED_TABLES)


def downgrade() -> None:
    raise RuntimeError("The documented schema is never dropped.")
