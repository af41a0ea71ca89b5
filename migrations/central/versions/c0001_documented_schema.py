"""Central database: the documented tables of the earlier StageSub system (Orchestra, User, Customer, SystemLog).

Ensure-style: on a database of the earlier system the tables exist and only missing columns are added.

Revision ID: c0001
Revises:
"""

from alembic import op

from models.central import CENTRAL_DOCUMENTED_TABLES, central_registry
from services.migrations import ensure_tables

revision = "c0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_tables(op.get_bind(), central_registry.metadata, CENTRAL_DOCUMENTED_TABLES)


def downgrade() -> None:
    raise RuntimeError("The documented schema is never dropped.")
