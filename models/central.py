"""Tables of the central database.

``Orchestra``, ``User``, ``Customer`` and ``SystemLog`` keep the documented names, columns and defaults of the
earlier StageSub system, so its central database works unchanged. ``UserSession``, ``LoginAttempt`` and
``ApiKey`` are ours (additive). Python attributes keep the documented camelCase column names.
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

central_registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))


class CentralModel(SQLModel, registry=central_registry):
    """Base of every central table (its own MetaData, apart from the orchestra tables)."""


ORCHESTRA_STATUSES = ("pending", "active", "inactive", "suspended")
ROLES = ("superadmin", "admin", "user")


class Orchestra(CentralModel, table=True):
    __tablename__ = "Orchestra"

    id: str = Field(default_factory=new_cuid, primary_key=True)
    orchestraId: str = Field(default_factory=new_cuid, unique=True)
    name: str
    subdomain: str = Field(unique=True)
    contactName: str
    contactEmail: str
    databaseUrl: str | None = None
    status: str = text_default("pending")
    plan: str = text_default("medium")
    maxMusicians: int = int_default(200)
    maxProjects: int = int_default(20)
    pricePerMonth: int = int_default(4990)
    logoUrl: str | None = None
    resendApiKey: str | None = None
    emailFromAddress: str | None = text_default("no-reply@stagesub.com", nullable=True)
    emailFromName: str | None = None
    emailReplyTo: str | None = None
    twilioAccountSid: str | None = None
    twilioAuthToken: str | None = None
    twilioFromNumber: str | None = None
    smsOnRequest: bool = flag(False)
    smsOnReminder: bool = flag(False)
    smsOnConfirmation: bool = flag(False)
    smsOnPositionFilled: bool = flag(False)
    smsOnGroupEmail: bool = flag(False)
    features: Any = Field(
        default_factory=dict, sa_type=JSONType, nullable=False, sa_column_kwargs={"server_default": "{}"}
    )
    primaryColor: str | None = text_default("#3B82F6", nullable=True)
    secondaryColor: str | None = text_default("#1E40AF", nullable=True)
    customDomain: str | None = None
    faviconUrl: str | None = None
    apiKey: str | None = Field(default=None, unique=True)
    webhookUrl: str | None = None
    webhookSecret: str | None = None
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class User(CentralModel, table=True):
    __tablename__ = "User"

    id: str = Field(default_factory=new_cuid, primary_key=True)
    username: str = Field(unique=True, index=True)
    email: str = Field(unique=True, index=True)
    passwordHash: str
    role: str = text_default("user")
    orchestraId: str | None = Field(default=None, foreign_key="Orchestra.id", ondelete="CASCADE", index=True)
    active: bool = flag(True)
    isArchived: bool = flag(False)
    lastLogin: datetime | None = optional_time()
    localResident: bool = flag(False)
    preferredLanguage: str | None = text_default("sv", nullable=True)
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class Customer(CentralModel, table=True):
    """The older tenant registry (read for legacy installs; new orchestras use ``Orchestra``)."""

    __tablename__ = "Customer"

    id: str = Field(default_factory=new_cuid, primary_key=True)
    name: str
    subdomain: str = Field(unique=True)
    databaseUrl: str
    status: str = text_default("active")
    contactEmail: str
    plan: str = text_default("small")
    createdAt: datetime = created_at()
    updatedAt: datetime = updated_at()


class SystemLog(CentralModel, table=True):
    __tablename__ = "SystemLog"

    id: str = Field(default_factory=new_cuid, primary_key=True)
    timestamp: datetime = Field(
        default_factory=clock.now,
        sa_type=UTCDateTime,
        nullable=False,
        index=True,
        sa_column_kwargs={"server_default": sa.func.now()},
    )
    level: str = Field(index=True)
    category: str = Field(index=True)
    message: str
    # The column is called "metadata"; SQLModel reserves that attribute name.
    meta: Any = Field(default=None, sa_type=JSONType, nullable=True, sa_column_kwargs={"name": "metadata"})
    userId: str | None = Field(default=None, index=True)
    orchestraId: str | None = Field(default=None, index=True)
    subdomain: str | None = None
    ip: str | None = None
    userAgent: str | None = None
    requestId: str | None = None
    duration: int | None = None


# ----- additive tables (ours) -----------------------------------------------------------------------


class UserSession(CentralModel, table=True):
    """A server-side login session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "UserSession"

    id: str = Field(primary_key=True, description="sha256 hex of the session token")
    userId: str = Field(foreign_key="User.id", ondelete="CASCADE", index=True)
    createdAt: datetime = created_at()
    expiresAt: datetime = Field(sa_type=UTCDateTime, nullable=False)
    lastSeenAt: datetime | None = optional_time()
    revokedAt: datetime | None = optional_time()
    ip: str | None = None
    userAgent: str | None = None


class LoginAttempt(CentralModel, table=True):
    """Every login attempt, for throttling across processes and for the audit trail."""

    __tablename__ = "LoginAttempt"
    __table_args__ = (
        sa.Index("LoginAttempt_username_createdAt_idx", "username", "createdAt"),
        sa.Index("LoginAttempt_ip_createdAt_idx", "ip", "createdAt"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str
    ip: str
    success: bool
    createdAt: datetime = created_at()


class ApiKey(CentralModel, table=True):
    """A per-orchestra REST API key, stored as a SHA-256 hash; ``prefix`` identifies it in lists."""

    __tablename__ = "ApiKey"

    id: int | None = Field(default=None, primary_key=True)
    orchestraId: str = Field(foreign_key="Orchestra.id", ondelete="CASCADE", index=True)
    name: str
    prefix: str
    keyHash: str = Field(unique=True)
    createdAt: datetime = created_at()
    lastUsedAt: datetime | None = optional_time()
    revokedAt: datetime | None = optional_time()


CENTRAL_DOCUMENTED_TABLES = ("Orchestra", "User", "Customer", "SystemLog")
