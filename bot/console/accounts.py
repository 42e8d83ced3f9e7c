"""Staff accounts of the console: argon2 password hashes, lockout after failed logins.

A hash is never returned, printed or logged: callers get `StaffInfo` without it.
Lockout counts live in the store, so they hold across console processes and restarts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from bot.console import audit
from bot.store.models import StaffAccount
from bot.store.session import StoreClient

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
_HASHER = PasswordHasher()  # argon2id with argon2-cffi's current defaults
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """A staff command that cannot be done (unknown name, name taken, weak password)."""


@dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    active: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "active": self.active,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
            "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None,
        }


@dataclass(frozen=True)
class LoginResult:
    staff: StaffInfo | None = None
    session_version: int = 0
    locked_until: datetime | None = None  # set when the account is (now) locked

    @property
    def ok(self) -> bool:
        return self.staff is not None


def _info(row: StaffAccount) -> StaffInfo:
    return StaffInfo(
        row.id, row.name, row.active, row.locked_until, row.created_at, row.last_login_at
    )


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise AccountError(
            "a staff name is 1-64 letters, digits, spaces, dots, dashes or underscores"
        )
    return name


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    return password


class StaffAccounts(StoreClient):
    def _get(self, session, name: str) -> StaffAccount:
        row = session.execute(
            select(StaffAccount).where(StaffAccount.name == name)
        ).scalar_one_or_none()
        if row is None:
            raise AccountError(f"no staff account named {name!r}")
        return row

    # --- managing accounts (clinic staff ...) ---------------------------------------

    def add(self, name: str, password: str, by: str) -> StaffInfo:
        name, password = check_name(name), check_password(password)
        with self._session() as session:
            exists = session.execute(
                select(StaffAccount.id).where(StaffAccount.name == name)
            ).first()
            if exists:
                raise AccountError(f"a staff account named {name!r} exists already")
            row = StaffAccount(
                name=name,
                password_hash=_HASHER.hash(password),
                active=True,
                failed_logins=0,
                session_version=1,
                created_at=self.clock(),
            )
            session.add(row)
            audit.record(session, by, "staff_added", name)
            session.flush()
            return _info(row)

    def list(self) -> list[StaffInfo]:
        with self._session() as session:
            rows = session.execute(select(StaffAccount).order_by(StaffAccount.name)).scalars()
            return [_info(row) for row in rows]

    def disable(self, name: str, by: str) -> StaffInfo:
        with self._session() as session:
            row = self._get(session, name)
            row.active = False
            row.session_version += 1  # logs them out everywhere
            audit.record(session, by, "staff_disabled", row.name)
            return _info(row)

    def enable(self, name: str, by: str) -> StaffInfo:
        with self._session() as session:
            row = self._get(session, name)
            row.active = True
            audit.record(session, by, "staff_enabled", row.name)
            return _info(row)

    def reset_password(self, name: str, password: str, by: str) -> StaffInfo:
        password = check_password(password)
        with self._session() as session:
            row = self._get(session, name)
            row.password_hash = _HASHER.hash(password)
            row.failed_logins, row.locked_until = 0, None
            row.session_version += 1
            audit.record(session, by, "staff_password_reset", row.name)
            return _info(row)

    # --- logging in -------------------------------------------------------------------

    def authenticate(self, name: str, password: str) -> LoginResult:
        """Check a login; the 5th failure in a row locks the account for LOCKOUT."""
        now = self.clock()
        with self._session() as session:
            row = session.execute(
                select(StaffAccount).where(StaffAccount.name == (name or "").strip())
            ).scalar_one_or_none()
            if row is None:
                _verify(_DUMMY_HASH, password)
                return LoginResult()
            if row.locked_until and row.locked_until > now:
                return LoginResult(locked_until=row.locked_until)
            if row.active and _verify(row.password_hash, password):
                row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
                if _HASHER.check_needs_rehash(row.password_hash):
                    row.password_hash = _HASHER.hash(password)
                return LoginResult(staff=_info(row), session_version=row.session_version)
            # Counted in the database (not read-modify-write): two console processes
            # taking failures at once still count every one.
            session.execute(
                update(StaffAccount)
                .where(StaffAccount.id == row.id)
                .values(failed_logins=StaffAccount.failed_logins + 1)
            )
            session.refresh(row)
            if row.failed_logins >= MAX_FAILURES:
                row.failed_logins, row.locked_until = 0, now + LOCKOUT
                return LoginResult(locked_until=row.locked_until)
            return LoginResult()

    def current(self, staff_id: int, session_version: int) -> StaffInfo | None:
        """The staff member of a session cookie, if the account is active and the cookie
        is not older than the last password reset or disabling."""
        with self._session() as session:
            row = session.get(StaffAccount, staff_id)
            if row is None or not row.active or row.session_version != session_version:
                return None
            return _info(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
