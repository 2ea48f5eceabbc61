"""Learning networks, their members, threads (topics) and messages.

Delivery invariants live in the schema: each thread numbers its messages 1, 2, 3, ...
(``uq_messages_thread_id_seq``) and a client's retry is recognised by
``uq_messages_author_id_client_id``. Full-text search objects (SQLite FTS5 table and
triggers, PostgreSQL GIN expression index) are created by the migration only; see
``kollega.networks.search``.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kollega.db import Base, now_utc
from kollega.org.models import OrgUnit, Person

NETWORK_KINDS = ("professional", "cross_unit", "leaders", "project")
VISIBILITIES = ("open", "request", "invite")
NETWORK_STATUSES = ("proposed", "active", "archived")
MEMBER_ROLES = ("member", "facilitator")
MEMBER_STATES = ("active", "requested", "invited")
THREAD_KINDS = ("discussion", "question", "experience", "learning_stop")
NOTIFICATION_KINDS = (
    "mention",
    "reply",
    "join_request",
    "invite",
    # Consent and roles: the person's request was approved, an invitation the facilitators
    # sent was accepted (told to the inviter), the person was made facilitator.
    "approved",
    "invite_accepted",
    "made_facilitator",
    # The summary of a learning or evaluation stop the person was invited to is ready.
    "stop_summary",
)
# The four parts of an experience thread, stored on the thread as well as rendered into
# its first message (so they can be searched and summarised).
EXPERIENCE_FIELDS = ("situation", "what_we_did", "what_we_learned", "next_time")
DIGEST_CHOICES = ("never", "daily", "weekly")
REACTIONS = ("👍", "❤️", "😀", "🎉", "🤔", "👏", "🙏", "💡", "✅", "👀")


class Network(Base):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="professional")
    visibility: Mapped[str] = mapped_column(sa.String(10), default="open", index=True)
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="SET NULL"), index=True
    )
    # Competence codes ("<framework>:<code>"); a plain list until the register exists.
    target_competences: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default="active", index=True)
    # Minutes after posting in which an author may edit; 0 = no editing.
    edit_window_minutes: Mapped[int] = mapped_column(sa.Integer, default=60)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    archived_at: Mapped[dt.datetime | None]

    unit: Mapped[OrgUnit | None] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {NETWORK_KINDS!r}"), name="kind"),
        sa.CheckConstraint(sa.text(f"visibility IN {VISIBILITIES!r}"), name="visibility"),
        sa.CheckConstraint(sa.text(f"status IN {NETWORK_STATUSES!r}"), name="status"),
        sa.CheckConstraint("edit_window_minutes >= 0", name="edit_window"),
    )

    @property
    def is_archived(self) -> bool:
        return self.status == "archived"

    @property
    def is_closed(self) -> bool:
        """Closed networks' messages are for members only."""
        return self.visibility != "open"

    def __repr__(self) -> str:
        return f"<Network {self.id} {self.name!r}>"


class NetworkMember(Base):
    __tablename__ = "network_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(12), default="member")
    state: Mapped[str] = mapped_column(sa.String(10), default="active")
    guest: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    joined_at: Mapped[dt.datetime | None]
    # Set when the member leaves or is removed; the row stays so that past periods
    # still count them (metrics). Re-joining clears it on the same row.
    left_at: Mapped[dt.datetime | None]

    network: Mapped[Network] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    __table_args__ = (
        sa.UniqueConstraint("network_id", "person_id"),
        sa.CheckConstraint(sa.text(f"role IN {MEMBER_ROLES!r}"), name="role"),
        sa.CheckConstraint(sa.text(f"state IN {MEMBER_STATES!r}"), name="state"),
    )

    @classmethod
    def current(cls) -> sa.ColumnElement[bool]:
        """The rows of people still in the network (requested, invited or active): a
        leaver's row stays, with ``left_at``, for past periods' metrics."""
        return cls.left_at.is_(None)

    @classmethod
    def active(cls) -> sa.ColumnElement[bool]:
        """The rows of active members: joined and not left (the query form of
        ``is_active``)."""
        return sa.and_(cls.state == "active", cls.current())

    @property
    def is_active(self) -> bool:
        return self.state == "active" and self.left_at is None

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role == "facilitator"


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="discussion")
    competence_tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    resolved: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    resolved_at: Mapped[dt.datetime | None]
    accepted_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "messages.id",
            ondelete="SET NULL",
            use_alter=True,
            name="fk_threads_accepted_message_id_messages",
        )
    )
    # The highest seq handed out; incremented under a row lock by send_message.
    last_seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_message_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    # An experience thread's four parts (EXPERIENCE_FIELDS), as the opener wrote them.
    situation: Mapped[str | None] = mapped_column(sa.Text)
    what_we_did: Mapped[str | None] = mapped_column(sa.Text)
    what_we_learned: Mapped[str | None] = mapped_column(sa.Text)
    next_time: Mapped[str | None] = mapped_column(sa.Text)

    network: Mapped[Network] = relationship(foreign_keys=[network_id])
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {THREAD_KINDS!r}"), name="kind"),
        sa.CheckConstraint("last_seq >= 0", name="last_seq"),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(sa.Integer)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)
    edited_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )

    thread: Mapped[Thread] = relationship(foreign_keys=[thread_id])
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    reply_to: Mapped[Message | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("thread_id", "seq"),
        sa.UniqueConstraint("author_id", "client_id"),
        sa.CheckConstraint("seq > 0", name="seq_positive"),
    )

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageEdit(Base):
    """The text a message had before an edit (newest edit last)."""

    __tablename__ = "message_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    previous_body: Mapped[str] = mapped_column(sa.Text)
    edited_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    edited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )


class Reaction(Base):
    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    emoji: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    __table_args__ = (sa.UniqueConstraint("message_id", "person_id", "emoji"),)


class ThreadFollow(Base):
    __tablename__ = "thread_follows"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


class ThreadRead(Base):
    """How far a person has read a thread (unread = messages with a higher seq)."""

    __tablename__ = "thread_reads"

    thread_id: Mapped[int] = mapped_column(
        sa.ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now_utc, onupdate=now_utc)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    network_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True
    )
    thread_id: Mapped[int | None] = mapped_column(sa.ForeignKey("threads.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"))
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    read_at: Mapped[dt.datetime | None]

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])
    network: Mapped[Network | None] = relationship(foreign_keys=[network_id])
    thread: Mapped[Thread | None] = relationship(foreign_keys=[thread_id])

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"kind IN {NOTIFICATION_KINDS!r}"), name="kind"),
        sa.Index("ix_notifications_person_id_read_at", "person_id", "read_at"),
    )


class NotificationSetting(Base):
    """Per-person notification preferences (the e-mail digest is sent by the cycle's mailer)."""

    __tablename__ = "notification_settings"

    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    email_digest: Mapped[str] = mapped_column(sa.String(10), default="weekly")
    # Desktop notifications (the browser's Notification API) for mentions and replies;
    # the browser's own permission is asked for only when the person turns this on.
    desktop_notifications: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    # Quiet hours, Europe/Oslo wall-clock times: no desktop notifications and no e-mail
    # then. Both set or both empty; ``quiet_to`` before ``quiet_from`` spans midnight.
    quiet_from: Mapped[dt.time | None] = mapped_column(sa.Time)
    quiet_to: Mapped[dt.time | None] = mapped_column(sa.Time)

    __table_args__ = (
        sa.CheckConstraint(sa.text(f"email_digest IN {DIGEST_CHOICES!r}"), name="digest"),
    )


class GuestInvitation(Base):
    """A link that lets an invited guest set their password and sign in.

    Only a SHA-256 of the random token is stored (as for API tokens). A row, rather than a
    stateless signed token, because the link must work once (``used_at``) and a new
    invitation must void the older links (``expires_at`` set to now).
    """

    __tablename__ = "guest_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    network: Mapped[Network] = relationship()
