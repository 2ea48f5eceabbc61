"""Use cases of existing messages: list a thread's messages, edit, delete, react."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import (
    joinedload,
    selectinload,
)

from kollega import permissions
from kollega.db import now_utc
from kollega.errors import Conflict, NotFound, PermissionDenied, ValidationError
from kollega.extensions import db
from kollega.networks import broadcast
from kollega.networks.common import (
    as_int,
    clean_text,
    dialect_insert,
    load_message,
    load_network,
    require_post,
    require_read,
)
from kollega.networks.models import (
    REACTIONS as REACTIONS,  # the demo's and tests' usual choices; any one emoji is accepted
)
from kollega.networks.models import (
    Message,
    MessageEdit,
    NetworkMember,
    Reaction,
    Thread,
)
from kollega.networks.notifications import notify_new_mentions
from kollega.networks.render import MAX_BODY, mention_people, render_markdown
from kollega.networks.send import mentioned_ids
from kollega.networks.threads import get_thread
from kollega.org.models import Person

PAGE = 50


MAX_PAGE = 200


REPLAY_LIMIT = 1000


def list_messages(
    person: Person,
    thread_id: Any,
    after_seq: Any = None,
    before_seq: Any = None,
    limit: Any = PAGE,
) -> tuple[list[Message], bool]:
    """Messages in seq order and whether there are more. ``after_seq``: the ones after it
    (replay after a reconnect); ``before_seq``: the page before it (scrolling up);
    neither: the latest page."""
    return thread_messages(get_thread(person, thread_id), after_seq, before_seq, limit)


def thread_messages(
    thread: Thread, after_seq: Any = None, before_seq: Any = None, limit: Any = PAGE
) -> tuple[list[Message], bool]:
    """``list_messages`` of a thread the caller has had from ``get_thread`` (the reader's
    permission checked there)."""
    limit = as_int(limit if limit not in (None, "") else PAGE, "limit")
    if not 1 <= limit <= REPLAY_LIMIT:
        message = _l("Between 1 and %(n)d.", n=REPLAY_LIMIT)
        raise ValidationError(message, fields={"limit": message})
    stmt = (
        sa.select(Message)
        .where(Message.thread_id == thread.id)
        .options(
            # The author in the same query (a many-to-one: one join, no second round trip).
            joinedload(Message.author),
            selectinload(Message.reply_to).joinedload(Message.author),
        )
    )
    if after_seq not in (None, ""):
        after = as_int(after_seq, "after_seq")
        rows = list(
            db.session.scalars(
                stmt.where(Message.seq > after).order_by(Message.seq).limit(limit + 1)
            )
        )
        return rows[:limit], len(rows) > limit
    if before_seq not in (None, ""):
        stmt = stmt.where(Message.seq < as_int(before_seq, "before_seq"))
    rows = list(db.session.scalars(stmt.order_by(Message.seq.desc()).limit(limit + 1)))
    more = len(rows) > limit
    return list(reversed(rows[:limit])), more


def get_message(person: Person, message_id: Any) -> Message:
    message = load_message(message_id)
    try:
        require_read(person, message.thread.network)
    except NotFound:
        raise NotFound(_l("No such message.")) from None
    return message


def edit_message(person: Person, message_id: Any, body: Any) -> Message:
    """Change one's own message within the network's edit window; the previous text is
    kept in the history. Queues ``message:edited``. People the edit mentions who were not
    mentioned before are notified as a new message's mentions are
    (``notifications.notify_new_mentions``)."""
    message = get_message(person, message_id)
    network = message.thread.network
    if message.author_id != person.id:
        raise PermissionDenied(_l("You can only edit your own messages."))
    if network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    if message.is_deleted:
        raise Conflict(_l("The message has been deleted."))
    window = dt.timedelta(minutes=network.edit_window_minutes)
    if now_utc() - message.created_at > window:
        raise PermissionDenied(_l("The time for editing this message has passed."))
    body = clean_text(body, "body", required=True, max_len=MAX_BODY)
    broadcast.message_edited(message)
    if body == message.body:
        return message
    db.session.add(
        MessageEdit(message_id=message.id, previous_body=message.body, edited_by_id=person.id)
    )
    before = mentioned_ids(network.id, message.body_html, person.id)
    message.body = body
    message.body_html = render_markdown(body, mention_people(network.id, body, person.id))
    message.edited_at = now_utc()
    db.session.flush()
    mentioned = mentioned_ids(network.id, message.body_html, person.id)
    notify_new_mentions(person, message, mentioned, before)
    return message


@dataclass(frozen=True, slots=True)
class EarlierVersion:
    """One earlier version of a message: its text (and HTML), when it was replaced and by
    whom (``None`` when that person is gone)."""

    previous_body: str
    previous_html: str
    edited_at: dt.datetime
    editor_name: str | None


def message_history(person: Person, message_id: Any) -> list[EarlierVersion]:
    """The earlier versions of a message, oldest first, with who replaced each (the
    no-JS edit page's history, as ``edit_history`` is the API's)."""
    message = get_message(person, message_id)
    rows = db.session.execute(
        sa.select(MessageEdit.previous_body, MessageEdit.edited_at, Person.name)
        .outerjoin(Person, Person.id == MessageEdit.edited_by_id)
        .where(MessageEdit.message_id == message.id)
        .order_by(MessageEdit.id)
    ).all()
    return [EarlierVersion(body, render_markdown(body), at, name) for body, at, name in rows]


def edit_history(person: Person, message_id: Any) -> list[dict[str, Any]]:
    """A message's edit history for everyone who may read its thread: each earlier
    version, oldest first, with when it was replaced and by whom (a deleted message has
    none left)."""
    message = get_message(person, message_id)
    rows = db.session.execute(
        sa.select(MessageEdit, Person.id, Person.name)
        .outerjoin(Person, Person.id == MessageEdit.edited_by_id)
        .where(MessageEdit.message_id == message.id)
        .order_by(MessageEdit.id)
    ).all()
    return [
        {
            "id": e.id,
            "previous_body": e.previous_body,
            "previous_html": render_markdown(e.previous_body),
            "edited_at": e.edited_at.isoformat(),
            "editor": {"id": pid, "name": name} if pid is not None else None,
            # The names of the first version of this call, kept for its clients.
            "body": e.previous_body,
            "replaced_at": e.edited_at.isoformat(),
        }
        for e, pid, name in rows
    ]


def delete_message(person: Person, message_id: Any) -> Message:
    """Delete a message (its author, or a facilitator): its text is removed, the row
    stays so that seqs stay gap-free, and it is shown as deleted. Queues
    ``message:deleted``."""
    message = get_message(person, message_id)
    network = message.thread.network
    if message.author_id != person.id and not permissions.can_moderate(person, network):
        raise PermissionDenied(_l("You can only delete your own messages."))
    if network.status != "active":
        raise PermissionDenied(_l("The network is archived and can only be read."))
    broadcast.message_deleted(message)
    if message.is_deleted:
        return message
    message.deleted_at = now_utc()
    message.deleted_by_id = person.id
    message.body = ""
    message.body_html = ""
    db.session.execute(sa.delete(MessageEdit).where(MessageEdit.message_id == message.id))
    db.session.execute(sa.delete(Reaction).where(Reaction.message_id == message.id))
    thread = message.thread
    if thread.accepted_message_id == message.id:
        thread.accepted_message_id = None
    db.session.flush()
    return message


def react(
    person: Person, message_id: Any, emoji: Any, on: bool | None = None
) -> list[dict[str, Any]]:
    """Add (``on`` True), remove (False) or toggle (None) a reaction; returns the
    message's reactions as ``[{emoji, count, people}]`` (and queues them as
    ``reaction:changed``)."""
    message = get_message(person, message_id)
    require_post(person, message.thread.network)
    if message.is_deleted:
        raise Conflict(_l("The message has been deleted."))
    emoji = clean_emoji(emoji)
    existing = db.session.scalar(
        sa.select(Reaction).where(
            Reaction.message_id == message.id,
            Reaction.person_id == person.id,
            Reaction.emoji == emoji,
        )
    )
    if on is None:
        on = existing is None
    if on and existing is None:
        db.session.execute(
            dialect_insert(Reaction)
            .values(message_id=message.id, person_id=person.id, emoji=emoji, created_at=now_utc())
            .on_conflict_do_nothing()
        )
    elif not on and existing is not None:
        db.session.delete(existing)
    db.session.flush()
    reactions = reactions_for([message.id]).get(message.id, [])
    broadcast.reactions_changed(message, reactions)
    return reactions


# What one emoji may be made of (emoji-picker-element offers Unicode's emoji, with skin
# tones, ZWJ sequences, flags and keycaps). Python's unicodedata has no emoji property, so
# the pictographic blocks are listed.
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21FF),
    (0x2300, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25A0, 0x25FF),
    (0x2600, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F1E5),
    (0x1F200, 0x1FAFF),
)
_VS16, _ZWJ, _KEYCAP = 0xFE0F, 0x200D, 0x20E3


def _pictographic(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _PICTOGRAPHIC)


def _is_one_emoji(text: str) -> bool:
    """One emoji grapheme: a pictograph with its variation selector, skin tone and ZWJ
    parts; a flag (two regional indicators, or a black flag with tag letters); a keycap."""
    cps = [ord(c) for c in text]
    if len(cps) == 2 and all(0x1F1E6 <= c <= 0x1F1FF for c in cps):
        return True
    if text[0] in "0123456789#*" and cps[1:] in ([_KEYCAP], [_VS16, _KEYCAP]):
        return True
    if cps[0] == 0x1F3F4 and len(cps) > 2 and cps[-1] == 0xE007F:
        return all(0xE0020 <= c <= 0xE007E for c in cps[1:-1])
    expect_base = True
    for cp in cps:
        if expect_base:
            if not _pictographic(cp) or 0x1F3FB <= cp <= 0x1F3FF:
                return False
            expect_base = False
        elif cp == _ZWJ:
            expect_base = True
        elif cp != _VS16 and not 0x1F3FB <= cp <= 0x1F3FF:
            return False
    return not expect_base


def clean_emoji(value: Any) -> str:
    """A reaction: any single emoji (at most 16 characters, what the column holds)."""
    if isinstance(value, str):
        value = value.strip()
        if 0 < len(value) <= 16 and _is_one_emoji(value):
            return value
    message = _l("Choose one emoji.")
    raise ValidationError(message, fields={"emoji": message})


MENTION_SUGGESTIONS = 10


def mention_candidates(person: Person, network_id: Any, q: Any) -> list[NetworkMember]:
    """Active members of a network whose name contains ``q`` (case-insensitive), those
    whose name starts with it first: the composer's @-suggestions, for whoever may read
    the network."""
    network = load_network(network_id)
    require_read(person, network)
    q = clean_text(q, "q", required=True, max_len=100)
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    name = sa.func.lower(Person.name)
    stmt = (
        sa.select(NetworkMember)
        .join(Person, Person.id == NetworkMember.person_id)
        .where(
            NetworkMember.network_id == network.id,
            NetworkMember.active(),
            name.like(pattern, escape="\\"),
        )
        .options(joinedload(NetworkMember.person))
        .order_by(sa.case((name.like(pattern[1:], escape="\\"), 0), else_=1), Person.name)
        .limit(MENTION_SUGGESTIONS)
    )
    return list(db.session.scalars(stmt))


@functools.cache
def _reactions_statement() -> sa.Select[Any]:
    # Built once per process: built per call, the select cost as much as running it.
    return (
        sa.select(Reaction.message_id, Reaction.emoji, Reaction.person_id)
        .where(Reaction.message_id.in_(sa.bindparam("ids", expanding=True)))
        .order_by(Reaction.id)
    )


def reactions_for(message_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Reactions of several messages: ``{message_id: [{emoji, count, people: [ids]}]}``."""
    out: dict[int, dict[str, list[int]]] = {}
    if not message_ids:
        return {}
    rows = db.session.execute(_reactions_statement(), {"ids": list(message_ids)})
    for mid, emoji, pid in rows:
        out.setdefault(mid, {}).setdefault(emoji, []).append(pid)
    return {
        mid: [{"emoji": e, "count": len(p), "people": p} for e, p in by_emoji.items()]
        for mid, by_emoji in out.items()
    }
