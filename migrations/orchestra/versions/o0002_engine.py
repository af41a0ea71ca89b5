"""Orchestra database: request engine additions (outbox, musician blockouts, request timing columns).

Adds ``Request.remindAt``/``deadlineAt``/``answeredBy`` and fills the timing columns of pending requests
written by the earlier system (from ``sentAt`` and the need's response time, reminder at 75 %).

Revision ID: o0002
Revises: o0001
"""

import sqlalchemy as sa
from alembic import op

from models.orchestra import ORCHESTRA_ADDITIVE_TABLES, orchestra_registry
from services.migrations import ensure_tables

revision = "o0002"
down_revision = "o0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    ensure_tables(bind, orchestra_registry.metadata, ("Request", *ORCHESTRA_ADDITIVE_TABLES))
    request, need = orchestra_registry.metadata.tables["Request"], orchestra_registry.metadata.tables["ProjectNeed"]
    rows = bind.execute(
        sa.select(request.c.id, request.c.sentAt, need.c.responseTimeHours)
        .join(need, need.c.id == request.c.projectNeedId)
        .where(request.c.status == "pending", request.c.deadlineAt.is_(None))
    ).all()
    from datetime import timedelta

    for row in rows:
        hours = row.responseTimeHours or 24
        bind.execute(
            sa.update(request).where(request.c.id == row.id).values(
                deadlineAt=row.sentAt + timedelta(hours=hours),
                remindAt=row.sentAt + timedelta(hours=hours * 0.75),
            )
        )


def downgrade() -> None:
    for name in reversed(ORCHESTRA_ADDITIVE_TABLES):
        op.drop_table(name)
