"""Tables of an orchestra's own database (one database per orchestra).

Names, columns, defaults, uniqueness and cascades follow the earlier StageSub system (ORIGINAL_BEHAVIOUR.md
§1.1), so its databases work unchanged. Integer foreign keys keep the documented names: ``Request.musicianId``
is ``Musician.id`` (an integer), while ``Musician.musicianId`` is the readable id ``MUS001``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from models.types import (
    NAMING_CONVENTION,
    JSONType,
    UTCDateTime,
    created_at,
    flag,
    int_default,
    new_cuid,
    optional_time,
    text_default,
    updated_at,
)
from services import clock

orchestra_registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


class OrchestraModel(SQLModel, registry=orchestra_registry):
    """Base of every orchestra-database table."""


def _fk(target: str, ondelete: str | None = None, nullable: bool = False, index: bool = False) -> Any:
    return Field(
        default=None if nullable else ..., foreign_key=target, ondelete=ondelete, nullable=nullable, index=index
    )


class Musician(OrchestraModel, table=True):
    __tablename__ = "Musician"

    id: int | None = Field(default=None, primary_key=True)
    musicianId: str = Field(default_factory=new_cuid, unique=True)
    firstName: str
    lastName: str
    email: str = Field(unique=True)
    phone: str | None = None
    preferredLanguage: str | None = text_default("sv", nullable=True)
    localResidence: bool = flag(False)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    isActive: bool = flag(True)
    isArchived: bool = flag(False)
    archivedAt: datetime | None = optional_time()
    restoredAt: datetime | None = optional_time()
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Instrument(OrchestraModel, table=True):
    __tablename__ = "Instrument"

    id: int | None = Field(default=None, primary_key=True)
    instrumentId: str = Field(default_factory=new_cuid, unique=True)
    name: str = Field(unique=True)
    displayOrder: int | None = None
    isArchived: bool = flag(False)
    archivedAt: datetime | None = optional_time()
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Position(OrchestraModel, table=True):
    __tablename__ = "Position"
    __table_args__ = (sa.UniqueConstraint("instrumentId", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    positionId: str = Field(default_factory=new_cuid, unique=True)
    instrumentId: int = _fk("Instrument.id", "CASCADE")
    name: str
    hierarchyLevel: int
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class MusicianQualification(OrchestraModel, table=True):
    __tablename__ = "MusicianQualification"

    musicianId: int = Field(foreign_key="Musician.id", ondelete="RESTRICT", primary_key=True)
    positionId: int = Field(foreign_key="Position.id", ondelete="RESTRICT", primary_key=True, index=True)


class RankingList(OrchestraModel, table=True):
    __tablename__ = "RankingList"
    __table_args__ = (sa.UniqueConstraint("positionId", "listType"),)

    id: int | None = Field(default=None, primary_key=True)
    rankingListId: str = Field(default_factory=new_cuid, unique=True)
    positionId: int = _fk("Position.id", "CASCADE")
    listType: str
    description: str | None = None
    version: int = int_default(1)
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Ranking(OrchestraModel, table=True):
    __tablename__ = "Ranking"
    __table_args__ = (sa.UniqueConstraint("listId", "musicianId"), sa.UniqueConstraint("listId", "rank"))

    id: int | None = Field(default=None, primary_key=True)
    rankingId: str = Field(default_factory=new_cuid, unique=True)
    listId: int = _fk("RankingList.id", "CASCADE")
    musicianId: int = _fk("Musician.id", index=True)
    rank: int
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Project(OrchestraModel, table=True):
    __tablename__ = "Project"

    id: int | None = Field(default=None, primary_key=True)
    projectId: str = Field(default_factory=new_cuid, unique=True)
    name: str
    startDate: datetime = Field(sa_type=UTCDateTime, nullable=False)
    weekNumber: int
    rehearsalSchedule: str | None = None
    concertInfo: str | None = None
    notes: str | None = None
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class CustomRankingList(OrchestraModel, table=True):
    __tablename__ = "CustomRankingList"

    id: int | None = Field(default=None, primary_key=True)
    customListId: str = Field(default_factory=new_cuid, unique=True)
    projectId: int = _fk("Project.id", "CASCADE", index=True)
    positionId: int = _fk("Position.id", "CASCADE", index=True)
    name: str
    isTemplate: bool = Field(default=False, index=True, nullable=False, sa_column_kwargs={"server_default": sa.false()})
    templateName: str | None = None
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class CustomRanking(OrchestraModel, table=True):
    __tablename__ = "CustomRanking"
    __table_args__ = (sa.UniqueConstraint("customListId", "musicianId"), sa.UniqueConstraint("customListId", "rank"))

    id: int | None = Field(default=None, primary_key=True)
    customListId: int = _fk("CustomRankingList.id", "CASCADE")
    musicianId: int = _fk("Musician.id", index=True)
    rank: int
    addedAt: datetime = created_at()


class ProjectNeed(OrchestraModel, table=True):
    __tablename__ = "ProjectNeed"

    id: int | None = Field(default=None, primary_key=True)
    projectNeedId: str = Field(default_factory=new_cuid, unique=True)
    projectId: int = _fk("Project.id", "CASCADE", index=True)
    positionId: int = _fk("Position.id", "CASCADE", index=True)
    quantity: int = int_default(1)
    rankingListId: int | None = _fk("RankingList.id", "CASCADE", nullable=True)
    customRankingListId: int | None = _fk("CustomRankingList.id", "CASCADE", nullable=True)
    requestStrategy: str
    maxRecipients: int | None = None
    responseTimeHours: int | None = int_default(24, nullable=True)
    requireLocalResidence: bool = flag(False)
    status: str = Field(default="active", index=True, nullable=False, sa_column_kwargs={"server_default": "active"})
    archivedAt: datetime | None = optional_time()
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Request(OrchestraModel, table=True):
    __tablename__ = "Request"

    id: int | None = Field(default=None, primary_key=True)
    requestId: str = Field(default_factory=new_cuid, unique=True)
    projectNeedId: int = _fk("ProjectNeed.id", "CASCADE", index=True)
    musicianId: int = _fk("Musician.id", index=True)
    status: str = Field(default="pending", index=True, nullable=False, sa_column_kwargs={"server_default": "pending"})
    sentAt: datetime = Field(
        default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True,
        sa_column_kwargs={"server_default": sa.func.now()},
    )
    reminderSentAt: datetime | None = optional_time()
    respondedAt: datetime | None = optional_time()
    response: str | None = None
    confirmationSent: bool = flag(False)
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()
    # ----- additive (ours): derived once at send time so the scheduler's queries use indexes -----
    remindAt: datetime | None = optional_time(index=True)
    deadlineAt: datetime | None = optional_time(index=True)
    answeredBy: str | None = None  # "musician", "sms", "staff:<username>", "timeout"


class RequestToken(OrchestraModel, table=True):
    __tablename__ = "RequestToken"

    token: str = Field(default_factory=new_cuid, primary_key=True)
    requestId: int = _fk("Request.id", "CASCADE", index=True)
    createdAt: datetime = created_at()
    expiresAt: datetime = Field(sa_type=UTCDateTime, nullable=False)
    usedAt: datetime | None = optional_time()


class EmailTemplate(OrchestraModel, table=True):
    __tablename__ = "EmailTemplate"

    id: int | None = Field(default=None, primary_key=True)
    emailTemplateId: str = Field(default_factory=new_cuid, unique=True)
    type: str = Field(unique=True)
    subject: str
    body: str = Field(sa_type=sa.Text)
    variables: Any = Field(default=None, sa_type=JSONType, nullable=True)
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class CommunicationLog(OrchestraModel, table=True):
    __tablename__ = "CommunicationLog"

    id: int | None = Field(default=None, primary_key=True)
    communicationLogId: str = Field(default_factory=new_cuid, unique=True)
    requestId: int = _fk("Request.id", "CASCADE", index=True)
    type: str
    timestamp: datetime = Field(
        default_factory=clock.now, sa_type=UTCDateTime, nullable=False,
        sa_column_kwargs={"server_default": sa.func.now()},
    )
    emailContent: str | None = Field(default=None, sa_type=sa.Text)
    # Additive (o0003): one row per e-mail/SMS to a request, with what happened to it.
    channel: str | None = None  # email, sms
    recipient: str | None = None
    subject: str | None = None
    status: str | None = None  # sent, delivered, failed, simulated (queued ones are still in the Outbox)
    providerMessageId: str | None = Field(default=None, index=True)
    messageId: str | None = Field(default=None, index=True)  # the Outbox row's messageId
    attempts: int | None = None
    error: str | None = Field(default=None, sa_type=sa.Text)
    segments: int | None = None  # SMS: GSM-7/UCS-2 segments billed


class GroupEmailLog(OrchestraModel, table=True):
    __tablename__ = "GroupEmailLog"

    id: int | None = Field(default=None, primary_key=True)
    projectId: int | None = _fk("Project.id", "SET NULL", nullable=True)
    subject: str
    message: str = Field(sa_type=sa.Text)
    recipients: Any = Field(default_factory=list, sa_type=JSONType, nullable=False)
    sentCount: int
    failedCount: int
    filters: Any = Field(default=None, sa_type=JSONType, nullable=True)
    createdAt: datetime = created_at()


class FileStorage(OrchestraModel, table=True):
    __tablename__ = "FileStorage"

    id: str = Field(default_factory=new_cuid, primary_key=True)
    fileName: str
    originalName: str
    mimeType: str
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    projectId: int | None = _fk("Project.id", "CASCADE", nullable=True)
    needId: int | None = None
    createdAt: datetime = created_at()


class ProjectFile(OrchestraModel, table=True):
    __tablename__ = "ProjectFile"

    id: int | None = Field(default=None, primary_key=True)
    projectFileId: str = Field(default_factory=new_cuid, unique=True)
    projectId: int = _fk("Project.id", "CASCADE", index=True)
    projectNeedId: int | None = _fk("ProjectNeed.id", "CASCADE", nullable=True)
    fileName: str
    originalFileName: str | None = None
    mimeType: str | None = None
    fileUrl: str
    fileType: str
    sendTiming: str = text_default("on_request")
    uploadedAt: datetime = created_at()


class Settings(OrchestraModel, table=True):
    __tablename__ = "Settings"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    value: str
    description: str | None = None
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class AuditLog(OrchestraModel, table=True):
    __tablename__ = "AuditLog"
    __table_args__ = (
        sa.Index("AuditLog_entityType_entityId_idx", "entityType", "entityId"),
    )

    id: int | None = Field(default=None, primary_key=True)
    auditLogId: str = Field(default_factory=new_cuid, unique=True)
    userId: str | None = Field(default=None, index=True)
    action: str
    entityType: str
    entityId: int
    oldValues: Any = Field(default=None, sa_type=JSONType, nullable=True)
    newValues: Any = Field(default=None, sa_type=JSONType, nullable=True)
    timestamp: datetime = Field(
        default_factory=clock.now, sa_type=UTCDateTime, nullable=False, index=True,
        sa_column_kwargs={"server_default": sa.func.now()},
    )


class IdSequence(OrchestraModel, table=True):
    __tablename__ = "IdSequence"

    id: int | None = Field(default=None, primary_key=True)
    entityType: str = Field(unique=True)
    lastNumber: int = int_default(0)
    updatedAt: datetime = updated_at()


class DeletedIds(OrchestraModel, table=True):
    __tablename__ = "DeletedIds"
    __table_args__ = (sa.UniqueConstraint("entityType", "deletedId"),)

    id: int | None = Field(default=None, primary_key=True)
    entityType: str
    deletedId: str
    deletedAt: datetime = created_at()


# ----- additive tables (ours) -----------------------------------------------------------------------


class MusicianBlockout(OrchestraModel, table=True):
    """Dates a musician cannot play; a blockout overlapping a project excludes them from its requests."""

    __tablename__ = "MusicianBlockout"

    id: int | None = Field(default=None, primary_key=True)
    blockoutId: str = Field(default_factory=new_cuid, unique=True)
    musicianId: int = _fk("Musician.id", "CASCADE", index=True)
    startDate: datetime = Field(sa_type=UTCDateTime, nullable=False)
    endDate: datetime = Field(sa_type=UTCDateTime, nullable=False)
    reason: str | None = None
    createdAt: datetime = created_at()


class Outbox(OrchestraModel, table=True):
    """Every outgoing message (e-mail, SMS, webhook), written in the transaction that caused it.

    Delivery happens after commit: a worker claims a row (``pending`` -> ``sending``) with a conditional
    UPDATE, delivers it with ``messageId`` as the provider's idempotency key, and records the outcome.
    """

    __tablename__ = "Outbox"
    __table_args__ = (sa.Index("Outbox_status_nextAttemptAt_idx", "status", "nextAttemptAt"),)

    id: int | None = Field(default=None, primary_key=True)
    messageId: str = Field(unique=True)
    channel: str  # email, sms, webhook
    messageType: str  # request, reminder, confirmation, position_filled, request.accepted (webhook) ...
    requestId: int | None = _fk("Request.id", "SET NULL", nullable=True, index=True)
    musicianId: int | None = _fk("Musician.id", "SET NULL", nullable=True, index=True)
    recipient: str
    subject: str | None = None
    body: str = Field(default="", sa_type=sa.Text)
    payload: Any = Field(default=None, sa_type=JSONType, nullable=True)
    status: str = text_default("pending")  # pending, sending, sent, simulated, failed
    attempts: int = int_default(0)
    nextAttemptAt: datetime = Field(default_factory=clock.now, sa_type=UTCDateTime, nullable=False)
    claimedAt: datetime | None = optional_time()
    claimedBy: str | None = None
    sentAt: datetime | None = optional_time()
    providerMessageId: str | None = None
    lastError: str | None = Field(default=None, sa_type=sa.Text)
    createdAt: datetime = created_at()
    # o0003: messaging
    htmlBody: str | None = Field(default=None, sa_type=sa.Text)  # e-mail: the HTML alternative of ``body``
    batchKey: str | None = Field(default=None, index=True)  # e-mail sent in one Resend batch (its idempotency key)
    groupEmailLogId: int | None = Field(default=None, index=True)  # a group e-mail's message
    deliveryStatus: str | None = None  # the provider's latest status (Twilio status callbacks)
    segments: int | None = None  # SMS segments


ORCHESTRA_ADDITIVE_TABLES = ("MusicianBlockout", "Outbox")

ORCHESTRA_DOCUMENTED_TABLES = (
    "Musician", "Instrument", "Position", "MusicianQualification", "RankingList", "Ranking", "Project",
    "ProjectNeed", "Request", "RequestToken", "EmailTemplate", "CommunicationLog", "GroupEmailLog",
    "FileStorage", "ProjectFile", "CustomRankingList", "CustomRanking", "Settings", "AuditLog", "IdSequence",
    "DeletedIds",
)
