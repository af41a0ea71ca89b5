"""The users of one orchestra, managed by its admins (``/users``; ORIGINAL_BEHAVIOUR.md §7.1, SPEC.md §Roles).

Built on ``services.auth`` (account creation, hashing, session revocation). Rules:

* Only an active admin of the orchestra may act (``actor_id`` is re-checked on every call, not trusted from the
  UI), and only on that orchestra's users: another orchestra's user, a superadmin or an unknown id all give the
  same ``NotFound`` (nothing about other orchestras leaks).
* Roles an admin can give: ``admin`` and ``user``.
* An admin cannot deactivate, demote or reset the password of their own account (the account page is for that),
  and the orchestra's last active admin can be neither demoted nor deactivated. The check and the change run in
  one write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``FOR UPDATE`` on the orchestra's admins), so
  two admins demoting each other at the same moment cannot leave the orchestra without one.
* New accounts and password resets get a generated password, returned once and never stored in clear.
  Deactivation and a reset revoke the user's sessions at once.
* Every change writes a ``SystemLog`` entry (category ``auth``) naming the admin who made it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

from models.central import User
from services import auth, clock, tenancy
from services.errors import Conflict, Forbidden, NotFound, ValidationError
from services.logs import log_event
from services.settings import get_settings

T = TypeVar("T")

ASSIGNABLE_ROLES = ("admin", "user")
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 5


def generate_password() -> str:
    """A random password to hand over once: four groups of five (``Ab3de-…``), about 116 bits."""
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
              for _ in range(PASSWORD_GROUPS))
    return "-".join(groups)


def _row(user: User, tz: str) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "active": bool(user.active),
        "isArchived": bool(user.isArchived),
        "lastLogin": clock.format_local(user.lastLogin, tz) if user.lastLogin else "",
        "createdAt": clock.format_local(user.createdAt, tz) if user.createdAt else "",
    }


def _actor(session: Session, orchestra_pk: str, actor_id: str) -> User:
    """The acting admin, re-read now: active, not archived, admin of this orchestra; else ``Forbidden``."""
    actor = session.get(User, actor_id) if actor_id else None
    if (actor is None or actor.orchestraId != orchestra_pk or actor.role != "admin" or not actor.active
            or actor.isArchived):
        raise Forbidden("forbidden", "Only an admin of this orchestra may manage its users.")
    return actor


def _target(session: Session, orchestra_pk: str, user_id: str) -> User:
    """A user of this orchestra (never a superadmin, never another orchestra's); else ``NotFound``."""
    user = session.get(User, user_id) if user_id else None
    if user is None or user.orchestraId != orchestra_pk or user.role not in ASSIGNABLE_ROLES:
        raise NotFound("user_not_found", "No such user in this orchestra.")
    return user


def _active_admins(session: Session, orchestra_pk: str) -> list[User]:
    """The orchestra's admins who can log in, locked for this transaction on PostgreSQL."""
    query = select(User).where(User.orchestraId == orchestra_pk, User.role == "admin",
                               User.active == sa.true(), User.isArchived == sa.false())
    if session.connection().dialect.name != "sqlite":
        query = query.with_for_update()
    return list(session.exec(query).all())


def _keeps_an_admin(session: Session, orchestra_pk: str, target: User) -> None:
    if not (target.role == "admin" and target.active and not target.isArchived):
        return
    others = [admin for admin in _active_admins(session, orchestra_pk) if admin.id != target.id]
    if not others:
        raise Conflict("last_admin", "The orchestra must keep at least one active admin.")


def _not_self(actor: User, target: User, what: str) -> None:
    if actor.id == target.id:
        raise Conflict("own_account", f"You cannot {what} your own account here.")


def _write(work: Callable[[Session], T]) -> T:
    """One write transaction on the central database (the write lock taken first on SQLite)."""
    with tenancy.central_session() as session:
        tenancy.begin_write(session)
        result = work(session)
        session.commit()
        return result


def _log(session: Session, message: str, actor: User, target: User, meta: dict | None = None) -> None:
    log_event("info", "auth", message, user_id=actor.id, orchestra_id=actor.orchestraId,
              meta={"actor": actor.username, "user": target.username, "userId": target.id, **(meta or {})},
              session=session)


# ----- reads -----------------------------------------------------------------------------------------------------


def list_users(orchestra_pk: str, actor_id: str) -> list[dict]:
    """The orchestra's admins and users, by user name: ``id, username, email, role, active, isArchived,
    lastLogin, createdAt`` (times local)."""
    tz = get_settings().timezone
    with tenancy.central_session() as session:
        _actor(session, orchestra_pk, actor_id)
        users = session.exec(
            select(User).where(User.orchestraId == orchestra_pk, User.role.in_(ASSIGNABLE_ROLES))
            .order_by(sa.func.lower(User.username))
        ).all()
        return [_row(user, tz) for user in users]


# ----- changes ---------------------------------------------------------------------------------------------------


def _check_role(role: str) -> str:
    value = (role or "").strip().lower()
    if value not in ASSIGNABLE_ROLES:
        message = f"The role must be one of {', '.join(ASSIGNABLE_ROLES)}."
        raise ValidationError("invalid_role", message, fields={"role": message})
    return value


def create_user(orchestra_pk: str, actor_id: str, *, username: str, email: str, role: str) -> dict:
    """Create an admin or user of the orchestra with a generated password.

    Returns ``{"user": row, "password": "<shown once>"}``. Validation and uniqueness are ``auth.create_user``'s
    (``invalid_username``, ``invalid_email``, ``username_taken``, ``email_taken``), plus ``invalid_role``.
    """
    role = _check_role(role)
    ref = tenancy.get_orchestra_by_id(orchestra_pk, require_active=False)
    with tenancy.central_session() as session:
        actor = _actor(session, orchestra_pk, actor_id)
        actor_name = actor.username
    password = generate_password()
    info = auth.create_user(username=username, email=email, password=password, role=role,
                            orchestra_subdomain=ref.subdomain)
    with tenancy.central_session() as session:
        user = session.get(User, info.id)
        log_event("info", "auth", "User added by an admin", user_id=actor_id, orchestra_id=orchestra_pk,
                  meta={"actor": actor_name, "user": user.username, "userId": user.id, "role": role},
                  session=session)
        session.commit()
        return {"user": _row(user, get_settings().timezone), "password": password}


def set_role(orchestra_pk: str, actor_id: str, user_id: str, role: str) -> dict:
    """Make a user an admin or an admin a user (not oneself; never the last active admin)."""
    role = _check_role(role)

    def work(session: Session) -> dict:
        actor = _actor(session, orchestra_pk, actor_id)
        target = _target(session, orchestra_pk, user_id)
        if target.role == role:
            return _row(target, get_settings().timezone)
        if role != "admin":
            _not_self(actor, target, "demote")
            _keeps_an_admin(session, orchestra_pk, target)
        old = target.role
        target.role = role
        session.add(target)
        _log(session, "User role changed", actor, target, {"from": old, "to": role})
        return _row(target, get_settings().timezone)

    return _write(work)


def set_active(orchestra_pk: str, actor_id: str, user_id: str, active: bool) -> dict:
    """Deactivate a user (their sessions end at once) or let them log in again."""
    active = bool(active)

    def work(session: Session) -> tuple[dict, bool]:
        actor = _actor(session, orchestra_pk, actor_id)
        target = _target(session, orchestra_pk, user_id)
        if target.isArchived:
            raise Conflict("user_archived", "This account is archived; only the platform can restore it.")
        if bool(target.active) == active:
            return _row(target, get_settings().timezone), False
        if not active:
            _not_self(actor, target, "deactivate")
            _keeps_an_admin(session, orchestra_pk, target)
        target.active = active
        session.add(target)
        _log(session, "User reactivated" if active else "User deactivated", actor, target)
        return _row(target, get_settings().timezone), not active

    row, revoke = _write(work)
    if revoke:
        auth.revoke_user_sessions(user_id)
    return row


def reset_password(orchestra_pk: str, actor_id: str, user_id: str) -> str:
    """Give a user a new generated password (returned once); their sessions end at once."""
    password = generate_password()
    new_hash = auth.hash_password(password)  # no connection is held while hashing

    def work(session: Session) -> None:
        actor = _actor(session, orchestra_pk, actor_id)
        target = _target(session, orchestra_pk, user_id)
        _not_self(actor, target, "reset the password of")
        if target.isArchived:
            raise Conflict("user_archived", "This account is archived; only the platform can restore it.")
        target.passwordHash = new_hash
        session.add(target)
        _log(session, "Password reset by an admin", actor, target)

    _write(work)
    auth.revoke_user_sessions(user_id)
    return password
