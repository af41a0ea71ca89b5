"""Orchestra database: messaging columns (additive).

``Outbox``: ``htmlBody``, ``batchKey``, ``groupEmailLogId``, ``deliveryStatus``, ``segments``.
``CommunicationLog``: ``channel``, ``recipient``, ``subject``, ``status``, ``providerMessageId``, ``messageId``,
``attempts``, ``error``, ``segments`` (all nullable, so rows of the earlier system stay valid).

Revision ID: o0003
Revises: o0002
"""

from alembic import op

from models.orchestra import orchestra_registry
from services.migrations import ensure_tables

revision = "o0003"
down_revision = "o0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_tables(op.get_bind(), orchestra_registry.metadata, ("CommunicationLog", "Outbox"))


def downgrade() -> None:
    for table, columns in (
        ("Outbox", ("htmlBody", "batchKey", "groupEmailLogId", "deliveryStatus", "segments")),
        ("CommunicationLog", ("channel", "recipient", "subject", "status", "providerMessageId", "messageId",
                              "attempts", "error", "segments")),
    ):
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column)
