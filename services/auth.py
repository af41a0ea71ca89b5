"""Users, passwords, login sessions and roles (central database). No Reflex import.

* Passwords: passlib (libpass) ``CryptContext(["argon2", "bcrypt"], deprecated="auto")``. New hashes are
  argon2; bcrypt hashes of the earlier system still verify and are replaced by argon2 at the next login.
* Sessions: the cookie ``stagesub_session`` holds a random token (``secrets.token_urlsafe(32)``); the
  ``UserSession`` row holds only its SHA-256, an expiry, and ``revokedAt`` for logout and revocation.
* Throttling: every login attempt is a ``LoginAttempt`` row, so the limits hold across processes and restarts.
  A user name is refused after ``login_max_failures`` failures within ``login_window_minutes`` (counted since
  its last success), an IP after three times as many.
* Errors are ``ServiceError`` subclasses with a code (``invalid_credentials``, ``too_many_attempts``, ...) and
  an English message; the UI translates the code.

Password hashing costs about 120 ms of CPU: call these functions from Reflex through ``asyncio.to_thread``.
No database connection is held while a hash is computed.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from passlib.context import CryptContext
from sqlmodel import Session, select

from models.central import ROLES, LoginAttempt, Orchestra, User, UserSession
from services import clock
from services.errors import Conflict, Forbidden, NotFound, Throttled, Unauthorized, ValidationError
from services.logs import log_event
from services.settings import get_settings
from services.tenancy import central_session

SESSION_COOKIE = "stagesub_session"
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
IP_FAILURE_FACTOR = 3
LAST_SEEN_INTERVAL = timedelta(minutes=1)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

_MAX_IDENTIFIER = 254
_MAX_TOKEN = 256
_BCRYPT_MAX_BYTES = 72
_INVALID_CREDENTIALS = "Wrong username or password."

_context = CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto")


@dataclass(frozen=True)
class UserInfo:
    """A user as the rest of the code sees it (no password hash)."""

    id: str
    username: str
    email: str
    role: str
    orchestra_pk: str | None
    orchestra_subdomain: str | None
    orchestra_name: str | None
    language: str
    expires_at: datetime | None = None

    @property
    def is_superadmin(self) -> bool:
        return self.role == "superadmin"

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "superadmin")


# ----- passwords -------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2 hash of ``password``."""
    return _context.hash(password)


def verify_password(password: str, stored_hash: str | None) -> tuple[bool, str | None]:
    """``(matches, new_hash)``; ``new_hash`` is an argon2 hash when the stored one should be replaced.

    Never raises: a missing, malformed or unknown hash gives ``(False, None)``.
    """
    if not stored_hash or not isinstance(password, str):
        return False, None
    try:
        secret = password.encode("utf-8")
        if stored_hash.startswith("$2") and len(secret) > _BCRYPT_MAX_BYTES:
            # bcrypt (and bcryptjs of the earlier system) only ever used the first 72 bytes; bcrypt 5 refuses
            # longer input, so compare those bytes and rehash the whole password.
            if not _context.verify(secret[:_BCRYPT_MAX_BYTES], stored_hash):
                return False, None
            return True, hash_password(password)
        ok, new_hash = _context.verify_and_update(password, stored_hash)
    except (ValueError, TypeError):
        return False, None
    return bool(ok), (new_hash if ok else None)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when the user is unknown (equal timing)."""
    return hash_password(secrets.token_urlsafe(24))


def check_password_rules(password: str) -> None:
    """Raise ``ValidationError("weak_password")`` unless ``password`` is acceptable."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        message = f"The password must be at least {PASSWORD_MIN_LENGTH} characters long."
    elif len(password) > PASSWORD_MAX_LENGTH:
        message = f"The password must be at most {PASSWORD_MAX_LENGTH} characters long."
    elif len(set(password)) < 2:
        message = "The password must not repeat a single character."
    else:
        return
    raise ValidationError("weak_password", message, fields={"password": message})


# ----- helpers ---------------------------------------------------------------------------------------


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _info(user: User, orchestra: Orchestra | None, expires_at: datetime | None = None) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        email=user.email,
        role=user.role,
        orchestra_pk=orchestra.id if orchestra is not None else None,
        orchestra_subdomain=orchestra.subdomain if orchestra is not None else None,
        orchestra_name=orchestra.name if orchestra is not None else None,
        language=_language(user.preferredLanguage),
        expires_at=expires_at,
    )


def _orchestra_of(session: Session, user: User) -> Orchestra | None:
    return session.get(Orchestra, user.orchestraId) if user.orchestraId else None


def _orchestra_ok(user: User, orchestra: Orchestra | None) -> bool:
    """A superadmin needs no orchestra; everyone else needs an active one."""
    if user.role == "superadmin":
        return True
    return orchestra is not None and orchestra.status == "active"


def _find_user(session: Session, identifier: str) -> User | None:
    """By user name, then by e-mail, case-insensitively (``identifier`` is already lower-case)."""
    if not identifier:
        return None
    user = session.exec(select(User).where(sa.func.lower(User.username) == identifier)).first()
    if user is None:
        user = session.exec(select(User).where(sa.func.lower(User.email) == identifier)).first()
    return user


def _failures_since(session: Session, column, value: str, since: datetime) -> int:
    query = select(sa.func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.success == sa.false(), LoginAttempt.createdAt >= since
    )
    return int(session.exec(query).one())


def _is_throttled(session: Session, key: str, ip: str, now: datetime) -> bool:
    settings = get_settings()
    window_start = now - timedelta(minutes=settings.login_window_minutes)
    last_success = session.exec(
        select(sa.func.max(LoginAttempt.createdAt)).where(
            LoginAttempt.username == key, LoginAttempt.success == sa.true(), LoginAttempt.createdAt >= window_start
        )
    ).one()
    if last_success is not None:
        # Only the failures after the last success count (strictly after it).
        since = last_success + timedelta(microseconds=1)
    else:
        since = window_start
    if _failures_since(session, LoginAttempt.username, key, since) >= settings.login_max_failures:
        return True
    ip_limit = IP_FAILURE_FACTOR * settings.login_max_failures
    return _failures_since(session, LoginAttempt.ip, ip, window_start) >= ip_limit


def _record_attempt(session: Session, key: str, ip: str, success: bool) -> None:
    session.add(LoginAttempt(username=key, ip=ip, success=success, createdAt=clock.now()))


def _revoke_sessions(session: Session, user_id: str, except_id: str | None, now: datetime) -> int:
    stmt = (
        sa.update(UserSession)
        .where(UserSession.userId == user_id, UserSession.revokedAt.is_(None), UserSession.expiresAt > now)
        .values(revokedAt=now)
    )
    if except_id is not None:
        stmt = stmt.where(UserSession.id != except_id)
    return session.execute(stmt).rowcount or 0


# ----- login and sessions ----------------------------------------------------------------------------


def login(username: str, password: str, *, ip: str, user_agent: str | None = None) -> tuple[str, UserInfo]:
    """Check the credentials and open a session: ``(token, user)``. The token goes into the cookie.

    Raises ``Throttled("too_many_attempts")`` (before looking at the password),
    ``Unauthorized("invalid_credentials")`` (unknown user, wrong password, inactive or archived user; one
    message for all) or ``Forbidden("orchestra_not_active")``.
    """
    identifier = (username or "").strip().lower()[:_MAX_IDENTIFIER]
    ip = (ip or "unknown").strip()[:100] or "unknown"
    user_agent = user_agent[:500] if user_agent else None
    password = password if isinstance(password, str) else ""

    # Phase 1 (read): who is it, and may they try?
    with central_session() as session:
        user = _find_user(session, identifier)
        key = user.username.lower() if user is not None else identifier
        if _is_throttled(session, key, ip, clock.now()):
            _record_attempt(session, key, ip, success=False)
            log_event(
                "warn", "auth", "Login refused: too many attempts",
                user_id=user.id if user else None, orchestra_id=user.orchestraId if user else None,
                ip=ip, user_agent=user_agent, session=session,
            )
            session.commit()
            raise Throttled("too_many_attempts", "Too many login attempts. Try again later.")
        user_id = user.id if user is not None else None
        stored_hash = user.passwordHash if user is not None else None

    # No connection is held while the hash is computed.
    ok, new_hash = verify_password(password, stored_hash or _dummy_hash())
    if user_id is None:
        ok = False

    # Phase 2 (write): record the attempt, and open the session when all is well.
    with central_session() as session:
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not ok or not user.active or user.isArchived:
            _record_attempt(session, key, ip, success=False)
            log_event(
                "warn", "auth", "Login failed",
                user_id=user.id if user else None, orchestra_id=user.orchestraId if user else None,
                ip=ip, user_agent=user_agent,
                meta={"reason": "inactive" if (user is not None and ok) else "invalid_credentials"},
                session=session,
            )
            session.commit()
            raise Unauthorized("invalid_credentials", _INVALID_CREDENTIALS)

        orchestra = _orchestra_of(session, user)
        if not _orchestra_ok(user, orchestra):
            _record_attempt(session, key, ip, success=False)
            log_event(
                "warn", "auth", "Login refused: orchestra not active",
                user_id=user.id, orchestra_id=user.orchestraId,
                subdomain=orchestra.subdomain if orchestra else None, ip=ip, user_agent=user_agent,
                meta={"status": orchestra.status if orchestra else None}, session=session,
            )
            session.commit()
            status = orchestra.status if orchestra is not None else "missing"
            raise Forbidden("orchestra_not_active", f"The orchestra of this account is {status}.")

        now = clock.now()
        if new_hash:
            user.passwordHash = new_hash
        user.lastLogin = now
        session.add(user)
        token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(hours=get_settings().session_hours)
        session.add(
            UserSession(
                id=_token_id(token), userId=user.id, createdAt=now, expiresAt=expires_at, lastSeenAt=now,
                ip=ip, userAgent=user_agent,
            )
        )
        _record_attempt(session, key, ip, success=True)
        log_event(
            "info", "auth", "Login",
            user_id=user.id, orchestra_id=user.orchestraId,
            subdomain=orchestra.subdomain if orchestra else None, ip=ip, user_agent=user_agent,
            meta={"role": user.role, "rehashed": bool(new_hash)}, session=session,
        )
        session.commit()
        return token, _info(user, orchestra, expires_at)


def resolve_session(token: str | None) -> UserInfo | None:
    """The user of a session token, or None (unknown, expired or revoked session; inactive or archived user;
    orchestra missing or not active). Touches ``lastSeenAt`` at most once a minute."""
    if not token or not isinstance(token, str) or len(token) > _MAX_TOKEN:
        return None
    now = clock.now()
    with central_session() as session:
        row = session.exec(
            select(UserSession, User).join(User, User.id == UserSession.userId).where(
                UserSession.id == _token_id(token)
            )
        ).first()
        if row is None:
            return None
        user_session, user = row
        if user_session.revokedAt is not None or user_session.expiresAt <= now:
            return None
        if not user.active or user.isArchived:
            return None
        orchestra = _orchestra_of(session, user)
        if not _orchestra_ok(user, orchestra):
            return None
        info = _info(user, orchestra, user_session.expiresAt)
        if user_session.lastSeenAt is None or now - user_session.lastSeenAt >= LAST_SEEN_INTERVAL:
            user_session.lastSeenAt = now
            session.add(user_session)
            session.commit()
        return info


def logout(token: str | None) -> None:
    """Revoke the session of ``token`` (nothing happens for an unknown or already revoked token)."""
    if not token or not isinstance(token, str) or len(token) > _MAX_TOKEN:
        return
    with central_session() as session:
        user_session = session.get(UserSession, _token_id(token))
        if user_session is None or user_session.revokedAt is not None:
            return
        user_session.revokedAt = clock.now()
        session.add(user_session)
        log_event("info", "auth", "Logout", user_id=user_session.userId, session=session)
        session.commit()


def revoke_user_sessions(user_id: str, *, except_token: str | None = None) -> int:
    """Revoke every live session of a user (but the one of ``except_token``); returns how many."""
    except_id = _token_id(except_token) if except_token else None
    with central_session() as session:
        count = _revoke_sessions(session, user_id, except_id, clock.now())
        if count:
            log_event("info", "auth", "Sessions revoked", user_id=user_id, meta={"count": count}, session=session)
        session.commit()
        return count


# ----- account changes -------------------------------------------------------------------------------


def change_password(token: str, current_password: str, new_password: str) -> None:
    """Change the password of the session's user; the user's other sessions are revoked, this one stays."""
    info = resolve_session(token)
    if info is None:
        raise Unauthorized("login_required", "Please log in again.")
    with central_session() as session:
        user = session.get(User, info.id)
        stored_hash = user.passwordHash if user is not None else None

    ok, _ = verify_password(current_password, stored_hash)
    if not ok:
        log_event("warn", "auth", "Password change refused: wrong current password",
                  user_id=info.id, orchestra_id=info.orchestra_pk)
        message = "The current password is wrong."
        raise ValidationError("wrong_password", message, fields={"current_password": message})
    try:
        check_password_rules(new_password)
    except ValidationError as exc:
        raise ValidationError(exc.code, exc.message, fields={"new_password": exc.message}) from None
    new_hash = hash_password(new_password)

    with central_session() as session:
        user = session.get(User, info.id)
        if user is None:
            raise Unauthorized("login_required", "Please log in again.")
        now = clock.now()
        user.passwordHash = new_hash
        session.add(user)
        revoked = _revoke_sessions(session, user.id, _token_id(token), now)
        log_event("info", "auth", "Password changed", user_id=user.id, orchestra_id=user.orchestraId,
                  meta={"sessions_revoked": revoked}, session=session)
        session.commit()


def set_language(user_id: str, language: str) -> None:
    """Store the user's interface language ("sv" or "en")."""
    value = (language or "").strip().lower()
    if value not in LANGUAGES:
        message = "The language must be sv or en."
        raise ValidationError("invalid_language", message, fields={"language": message})
    with central_session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("user_not_found", "No such user.")
        user.preferredLanguage = value
        session.add(user)
        session.commit()


def create_user(
    *, username: str, email: str, password: str, role: str, orchestra_subdomain: str | None = None
) -> UserInfo:
    """Create an account. A superadmin has no orchestra; an admin or user belongs to an existing one.

    Raises ``ValidationError`` (invalid_role, invalid_username, invalid_email, weak_password,
    orchestra_required, superadmin_without_orchestra), ``NotFound("orchestra_not_found")`` or
    ``Conflict("username_taken" / "email_taken")``; nothing is written then.
    """
    role = (role or "").strip().lower()
    if role not in ROLES:
        message = f"The role must be one of {', '.join(ROLES)}."
        raise ValidationError("invalid_role", message, fields={"role": message})
    username = (username or "").strip().lower()
    if not USERNAME_RE.match(username):
        message = ("The username must be 3-50 characters: lower-case letters, digits, '.', '_' or '-', "
                   "starting with a letter or a digit.")
        raise ValidationError("invalid_username", message, fields={"username": message})
    email = (email or "").strip().lower()
    if len(email) > _MAX_IDENTIFIER or not EMAIL_RE.match(email):
        message = "The e-mail address is not valid."
        raise ValidationError("invalid_email", message, fields={"email": message})
    subdomain = (orchestra_subdomain or "").strip().lower() or None
    if role == "superadmin" and subdomain is not None:
        message = "A superadmin does not belong to an orchestra."
        raise ValidationError("superadmin_without_orchestra", message, fields={"orchestra": message})
    if role != "superadmin" and subdomain is None:
        message = "An admin or user must belong to an orchestra."
        raise ValidationError("orchestra_required", message, fields={"orchestra": message})
    check_password_rules(password)

    def check_unique(session: Session) -> None:
        if session.exec(select(User.id).where(sa.func.lower(User.username) == username)).first() is not None:
            message = "This username is already taken."
            raise Conflict("username_taken", message, fields={"username": message})
        if session.exec(select(User.id).where(sa.func.lower(User.email) == email)).first() is not None:
            message = "This e-mail address is already in use."
            raise Conflict("email_taken", message, fields={"email": message})

    with central_session() as session:
        check_unique(session)
        if subdomain is not None:
            if session.exec(select(Orchestra.id).where(Orchestra.subdomain == subdomain)).first() is None:
                raise NotFound("orchestra_not_found", f"No orchestra with the subdomain {subdomain!r}.")

    password_hash = hash_password(password)

    with central_session() as session:
        orchestra = None
        if subdomain is not None:
            orchestra = session.exec(select(Orchestra).where(Orchestra.subdomain == subdomain)).first()
            if orchestra is None:
                raise NotFound("orchestra_not_found", f"No orchestra with the subdomain {subdomain!r}.")
        user = User(
            username=username, email=email, passwordHash=password_hash, role=role,
            orchestraId=orchestra.id if orchestra is not None else None, preferredLanguage=DEFAULT_LANGUAGE,
        )
        session.add(user)
        log_event("info", "auth", "User created", user_id=user.id, orchestra_id=user.orchestraId,
                  subdomain=subdomain, meta={"username": username, "role": role}, session=session)
        try:
            session.commit()
        except sa.exc.IntegrityError:
            session.rollback()
            check_unique(session)  # raises the matching Conflict when a concurrent insert won the race
            raise
        return _info(user, orchestra)


# ----- roles and look-ups ----------------------------------------------------------------------------


def require_role(user: UserInfo | None, *roles: str) -> UserInfo:
    """The user, if logged in with one of ``roles`` (a superadmin only passes when listed)."""
    if user is None:
        raise Unauthorized("login_required", "Please log in.")
    if user.role not in roles:
        raise Forbidden("forbidden", "You do not have access to this page.")
    return user


def get_user_by_username(username: str) -> UserInfo | None:
    """A user by user name (case-insensitive), active or not; ``expires_at`` is None."""
    name = (username or "").strip().lower()
    if not name:
        return None
    with central_session() as session:
        user = session.exec(select(User).where(sa.func.lower(User.username) == name)).first()
        if user is None:
            return None
        return _info(user, _orchestra_of(session, user))


def count_superadmins() -> int:
    """How many superadmins can log in (active and not archived)."""
    with central_session() as session:
        query = select(sa.func.count()).select_from(User).where(
            User.role == "superadmin", User.active == sa.true(), User.isArchived == sa.false()
        )
        return int(session.exec(query).one())
