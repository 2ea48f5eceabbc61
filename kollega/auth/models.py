"""API tokens. Passwords live on ``Person``; tokens are stored only as hashes."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import Person


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship()


class TotpCredential(Base):
    """A person's TOTP secret (RFC 6238). Unconfirmed until the first code is entered."""

    __tablename__ = "totp_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    confirmed_at: Mapped[dt.datetime | None]
    # The last accepted time step: a code is accepted once (no replay within its window).
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    person: Mapped[Person] = relationship()


class RecoveryCode(Base):
    """A one-time recovery code for the second factor; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    used_at: Mapped[dt.datetime | None]


class RevokedSession(Base):
    """A signed-out browser session: its cookie (which carries ``id``) is refused from
    then on. Kept until the session would have run out anyway (``expires_at``, its
    absolute timeout), then pruned."""

    __tablename__ = "revoked_sessions"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
