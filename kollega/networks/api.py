"""API operations for learning networks, threads and messages (DESIGN.md: contracts).

Each operation parses and calls its use case; the request's edge commits (``kollega.uow``)
and the use case's events go out with the commit.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from kollega import permissions
from kollega.api import int_arg, json_body, route
from kollega.current import current_person
from kollega.errors import ValidationError
from kollega.networks import search_api  # noqa: F401 - GET /search joins the blueprint
from kollega.networks.invitations import invite_guest_with_link
from kollega.networks.mail import send_guest_invitation
from kollega.networks.members import (
    active_member_ids,
    approve_member,
    invite_member,
    join_network,
    list_members,
    remove_member,
    set_member_role,
)
from kollega.networks.messages import (
    PAGE,
    delete_message,
    edit_history,
    edit_message,
    list_messages,
    mention_candidates,
    react,
    reactions_for,
)
from kollega.networks.networks import (
    approve_network,
    archive_network,
    create_network,
    find_network,
    list_networks,
    reject_network,
    update_network,
)
from kollega.networks.notifications import (
    list_notifications,
    mark_notifications_read,
    set_notification_settings,
    settings_json,
    unread_notification_count,
)
from kollega.networks.reads import read_thread, sidebar, unread_counts
from kollega.networks.search import search_messages
from kollega.networks.send import send_message
from kollega.networks.serialise import (
    EDIT_HISTORY_SCHEMA,
    member_json,
    message_json,
    network_json,
    notification_json,
    preload_attachments,
    thread_json,
)
from kollega.networks.threads import (
    EXPERIENCE_FIELDS,
    accept_answer,
    experience_parts,
    follow_thread,
    get_thread,
    is_following,
    list_threads,
    open_thread,
    resolve_thread,
)
from kollega.uploads.public import UPLOAD_SCHEMA

_OBJ = {"type": "object"}
NETWORK_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "purpose": {"type": "string"},
        "kind": {"type": "string", "enum": ["professional", "cross_unit", "leaders", "project"]},
        "visibility": {"type": "string", "enum": ["open", "request", "invite"]},
        "status": {"type": "string", "enum": ["proposed", "active", "archived"]},
        "target_competences": {"type": "array", "items": {"type": "string"}},
        "members": {"type": ["integer", "null"]},
        "my_membership": {"type": ["string", "null"]},
    },
    "required": ["id", "name", "visibility"],
}
THREAD_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "kind": {
            "type": "string",
            "enum": ["discussion", "question", "experience", "learning_stop"],
        },
        "last_seq": {"type": "integer"},
        "unread": {"type": ["integer", "null"]},
        "parts": {
            "type": ["object", "null"],
            "description": "an experience's four parts (one thread, and the thread just "
            "opened); null for other kinds",
        },
    },
    "required": ["id", "title", "kind"],
}
EXPERIENCE_PARTS_SCHEMA = {
    "type": "object",
    "description": "an experience's four parts (Markdown): situation, what we did, what we "
    "learned, next time; each at most 2,500 characters",
    "properties": {key: {"type": "string"} for key in EXPERIENCE_FIELDS},
}
MESSAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "seq": {"type": "integer"},
        "thread_id": {"type": "integer"},
        "client_id": {"type": "string"},
        "author": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "body_html": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "edited_at": {"type": ["string", "null"]},
        "deleted": {"type": "boolean"},
        "reactions": {"type": "array", "items": _OBJ},
        "attachments": {"type": "array", "items": UPLOAD_SCHEMA},
    },
    "required": ["id", "seq", "client_id", "author", "body_html", "created_at"],
}
MESSAGES_SCHEMA = {
    "type": "object",
    "properties": {
        "messages": {"type": "array", "items": MESSAGE_SCHEMA},
        "more": {"type": "boolean"},
    },
    "required": ["messages"],
}


def _bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise ValidationError(
        _l("Must be true or false."), fields={field: _l("Must be true or false.")}
    )


def _messages_json(messages: list[Any]) -> list[dict[str, Any]]:
    reactions = reactions_for([m.id for m in messages])
    preload_attachments(messages)
    return [message_json(m, reactions.get(m.id)) for m in messages]


# --- networks ----------------------------------------------------------------------------


@route(
    "/networks",
    summary="Networks the caller may know of",
    query={
        "q": "search in name and purpose",
        "mine": "true: only networks the caller is a member of",
        "status": "proposed, active or archived (default: not archived)",
    },
    response={"type": "array", "items": NETWORK_SCHEMA},
)
def networks_list() -> Any:
    mine = _bool(request.args.get("mine", "false"), "mine")
    rows = list_networks(
        current_person(),
        request.args.get("q", ""),
        mine=mine,
        status=request.args.get("status") or None,
    )
    return jsonify([network_json(r.network, r.members, r.my_state) for r in rows])


@route(
    "/networks",
    ["POST"],
    summary="Create a network (or propose one, for employees)",
    body={
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "purpose": {"type": "string"},
            "kind": {"type": "string"},
            "visibility": {"type": "string", "enum": ["open", "request", "invite"]},
            "unit_id": {"type": "integer"},
            "target_competences": {"type": "array", "items": {"type": "string"}},
            "edit_window_minutes": {"type": "integer"},
        },
        "required": ["name"],
    },
    response=NETWORK_SCHEMA,
    status=201,
)
def networks_create() -> Any:
    data = json_body(("name",))
    network = create_network(
        current_person(),
        data.get("name"),
        data.get("purpose", ""),
        data.get("kind", "professional"),
        data.get("visibility", "open"),
        data.get("unit_id"),
        data.get("target_competences"),
        data.get("edit_window_minutes", 60),
    )
    return jsonify(network_json(network, 1, "active")), 201


@route("/networks/<int:network_id>", summary="One network", response=NETWORK_SCHEMA)
def networks_detail(network_id: int) -> Any:
    person = current_person()
    network = find_network(person, network_id)
    member = permissions.network_membership(person, network)
    body = network_json(network, len(active_member_ids(network.id)), member and member.state)
    body["my_role"] = member.role if member else None
    body["can_read"] = permissions.can_read_network(person, network)
    body["can_post"] = permissions.can_post(person, network)
    body["can_moderate"] = permissions.can_moderate(person, network)
    return jsonify(body)


@route(
    "/networks/<int:network_id>",
    ["PATCH"],
    summary="Change a network's settings (facilitators)",
    body=_OBJ,
    response=NETWORK_SCHEMA,
)
def networks_update(network_id: int) -> Any:
    data = json_body()
    allowed = {"name", "purpose", "kind", "visibility", "target_competences", "edit_window_minutes"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            _l("Unknown fields."), fields={k: _l("Unknown field.") for k in sorted(unknown)}
        )
    network = update_network(current_person(), network_id, **data)
    return jsonify(network_json(network))


@route(
    "/networks/<int:network_id>/approve",
    ["POST"],
    summary="Approve a proposed network (a leader of its unit, or HR)",
    response=NETWORK_SCHEMA,
)
def networks_approve(network_id: int) -> Any:
    network = approve_network(current_person(), network_id)
    return jsonify(network_json(network))


@route(
    "/networks/<int:network_id>/reject",
    ["POST"],
    summary="Turn a proposed network down (it is removed)",
    status=204,
)
def networks_reject(network_id: int) -> Any:
    reject_network(current_person(), network_id)
    return "", 204


@route(
    "/networks/<int:network_id>/archive",
    ["POST"],
    summary="Archive a network: read-only from now on (facilitators, HR)",
    response=NETWORK_SCHEMA,
)
def networks_archive(network_id: int) -> Any:
    network = archive_network(current_person(), network_id)
    return jsonify(network_json(network))


# --- members -----------------------------------------------------------------------------


@route(
    "/networks/<int:network_id>/members",
    summary="Members (facilitators also see requests and invitations with ?state=all); "
    "?q= the active members whose name has those letters (mention suggestions, at most 10)",
    query={
        "state": "all: include requested and invited",
        "q": "letters of a name: active members whose name contains them (1-100 characters)",
    },
    response={"type": "array", "items": _OBJ},
)
def networks_members(network_id: int) -> Any:
    if "q" in request.args:
        found = mention_candidates(current_person(), network_id, request.args.get("q"))
        return jsonify([member_json(m) for m in found])
    states = (
        ("active", "requested", "invited") if request.args.get("state") == "all" else ("active",)
    )
    return jsonify([member_json(m) for m in list_members(current_person(), network_id, states)])


@route(
    "/networks/<int:network_id>/members",
    ["POST"],
    summary="{} joins an open network (201, status member) or asks to join (202, status "
    "asked); {person_id} (facilitators) invites an employee, who accepts by joining or "
    "declines by leaving (202, status invited; someone who had asked to join is let in: "
    "201, status member); {email, name} invites a guest by e-mail (facilitators)",
    body={
        "type": "object",
        "properties": {
            "person_id": {"type": "integer"},
            "role": {"type": "string", "enum": ["member", "facilitator"]},
            "invite": {
                "type": "boolean",
                "description": "ignored: adding someone always invites them (consent)",
            },
            "email": {"type": "string"},
            "name": {"type": "string"},
        },
    },
    response={
        "type": "object",
        "properties": {
            "person": {"type": "object"},
            "role": {"type": "string", "enum": ["member", "facilitator"]},
            "state": {"type": "string", "enum": ["active", "requested", "invited"]},
            "status": {
                "type": "string",
                "enum": ["member", "asked", "invited"],
                "description": "member: 201; asked (a request) and invited: 202",
            },
        },
        "required": ["person", "state", "status"],
    },
    status=201,
)
def networks_add_member(network_id: int) -> Any:
    data = request.get_json(silent=True)
    if data is None and not request.get_data():
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(_l("The request body must be a JSON object."))
    person = current_person()
    invite = None
    if data.get("email") not in (None, ""):
        invite = invite_guest_with_link(person, network_id, data.get("email"), data.get("name"))
        member = invite.member
    elif data.get("person_id") not in (None, ""):
        _bool(data.get("invite", True), "invite")
        member = invite_member(person, network_id, data["person_id"], data.get("role", "member"))
    else:
        member = join_network(person, network_id)
    if invite is not None:
        send_guest_invitation(invite, person)
    word = {"requested": "asked", "invited": "invited"}.get(member.state, "member")
    return jsonify({**member_json(member), "status": word}), 201 if word == "member" else 202


@route(
    "/networks/<int:network_id>/members/<int:person_id>",
    ["PATCH"],
    summary="Approve a request ({state: active}) or change a role ({role}) (facilitators)",
    body=_OBJ,
    response=_OBJ,
)
def networks_change_member(network_id: int, person_id: int) -> Any:
    data = json_body()
    person = current_person()
    member = None
    if data.get("state") not in (None, ""):
        if data["state"] != "active":
            raise ValidationError(
                _l("Only state active is accepted."), fields={"state": _l("Use active.")}
            )
        member = approve_member(person, network_id, person_id)
    if data.get("role") not in (None, ""):
        member = set_member_role(person, network_id, person_id, data["role"])
    if member is None:
        raise ValidationError(_l("Send state or role."), fields={"role": _l("Required.")})
    return jsonify(member_json(member))


@route(
    "/networks/<int:network_id>/members/<int:person_id>",
    ["DELETE"],
    summary="Leave (one's own id), or remove a member / decline a request (facilitators)",
    status=204,
)
def networks_remove_member(network_id: int, person_id: int) -> Any:
    remove_member(current_person(), network_id, person_id)
    return "", 204


# --- threads -----------------------------------------------------------------------------


@route(
    "/networks/<int:network_id>/threads",
    summary="Threads of a network, latest activity first, with the caller's unread counts",
    response={"type": "array", "items": THREAD_SCHEMA},
)
def networks_threads(network_id: int) -> Any:
    person = current_person()
    threads = list_threads(person, network_id)
    unread = unread_counts(person, [t.id for t in threads])
    return jsonify([thread_json(t, unread.get(t.id, 0)) for t in threads])


@route(
    "/networks/<int:network_id>/threads",
    ["POST"],
    summary="Open a thread. The first message is the body; for an experience, its four "
    "parts (stored on the thread too, returned as parts) then the body as free text. Parts "
    "sent with another kind are kept in the first message under their headings. Neither "
    "body nor any part: 422",
    body={
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["discussion", "question", "experience", "learning_stop"],
            },
            "body": {"type": "string"},
            "client_id": {"type": "string"},
            "competence_tags": {"type": "array", "items": {"type": "string"}},
            "parts": EXPERIENCE_PARTS_SCHEMA,
            **{
                key: {"type": "string", "description": "the same as parts." + key}
                for key in EXPERIENCE_FIELDS
            },
        },
        "required": ["title"],
    },
    response=THREAD_SCHEMA,
    status=201,
)
def networks_open_thread(network_id: int) -> Any:
    data = json_body(("title",))
    parts = data.get("parts")
    if parts is not None and not isinstance(parts, dict):
        raise ValidationError(_l("Must be an object."), fields={"parts": _l("Must be an object.")})
    parts = {**{k: data[k] for k in EXPERIENCE_FIELDS if k in data}, **(parts or {})}
    thread, first = open_thread(
        current_person(),
        network_id,
        data.get("title"),
        data.get("kind", "discussion"),
        data.get("body", ""),
        data.get("competence_tags"),
        data.get("client_id"),
        parts,
    )
    return jsonify({**thread_json(thread, 0), "parts": experience_parts(thread)}), 201


@route(
    "/threads/<int:thread_id>",
    summary="One thread, and what the caller may do in it: following, can_post, can_moderate, "
    "edit_window_minutes (minutes after posting in which one may edit)",
    response=THREAD_SCHEMA,
)
def threads_detail(thread_id: int) -> Any:
    person = current_person()
    thread = get_thread(person, thread_id)
    body = thread_json(thread, unread_counts(person, [thread.id]).get(thread.id, 0))
    body["following"] = is_following(person, thread.id)
    body["parts"] = experience_parts(thread)
    # What the caller may do with its messages (the chat client's action buttons).
    network = thread.network
    body["can_post"] = permissions.can_post(person, network)
    body["can_moderate"] = permissions.can_moderate(person, network)
    body["edit_window_minutes"] = network.edit_window_minutes
    return jsonify(body)


@route(
    "/threads/<int:thread_id>",
    ["PATCH"],
    summary="Resolve or reopen ({resolved}), accept an answer ({accepted_message_id}), "
    "follow or unfollow ({following})",
    body=_OBJ,
    response=THREAD_SCHEMA,
)
def threads_update(thread_id: int) -> Any:
    data = json_body()
    person = current_person()
    known = {"resolved", "accepted_message_id", "following"}
    if not data or set(data) - known:
        raise ValidationError(
            _l("Send resolved, accepted_message_id or following."),
            fields={k: _l("Unknown field.") for k in sorted(set(data) - known)},
        )
    following = None
    if "following" in data:
        following = follow_thread(person, thread_id, _bool(data["following"], "following"))
    if "accepted_message_id" in data:
        accept_answer(person, thread_id, data["accepted_message_id"])
    if "resolved" in data:
        resolve_thread(person, thread_id, _bool(data["resolved"], "resolved"))
    thread = get_thread(person, thread_id)
    body = thread_json(thread)
    body["following"] = following if following is not None else is_following(person, thread.id)
    return jsonify(body)


# --- messages ----------------------------------------------------------------------------


@route(
    "/threads/<int:thread_id>/messages",
    summary="Messages in seq order: after after_seq (replay), before before_seq (older "
    "page), or the latest page. Cursor paging: {messages, more}; to page back, pass the "
    "lowest seq you hold as before_seq until more is false",
    query={
        "after_seq": "messages with a higher seq (integer)",
        "before_seq": "the page before this seq (integer; the cursor when scrolling up)",
        "limit": "page size, 1-1000 (default 50)",
    },
    response=MESSAGES_SCHEMA,
)
def threads_messages(thread_id: int) -> Any:
    messages, more = list_messages(
        current_person(),
        thread_id,
        after_seq=int_arg("after_seq"),
        before_seq=int_arg("before_seq"),
        limit=int_arg("limit") or PAGE,
    )
    return jsonify({"messages": _messages_json(messages), "more": more})


@route(
    "/threads/<int:thread_id>/messages",
    ["POST"],
    summary="Send a message: 201 {id, seq}; the same client_id again: 200 with the first",
    body={
        "type": "object",
        "properties": {
            "client_id": {"type": "string"},
            "body": {"type": "string"},
            "reply_to": {"type": "integer"},
            "attachments": {
                "type": "array",
                "items": {"type": "integer"},
                "maxItems": 10,
                "description": "ids of the sender's own unsent uploads (POST /uploads)",
            },
        },
        "required": ["client_id", "body"],
    },
    response={
        "type": "object",
        "properties": {"id": {"type": "integer"}, "seq": {"type": "integer"}},
        "required": ["id", "seq"],
    },
    status=201,
)
def threads_send(thread_id: int) -> Any:
    data = json_body(("client_id",))
    result = send_message(
        current_person(),
        thread_id,
        data.get("client_id"),
        data.get("body"),
        data.get("reply_to"),
        data.get("attachments"),
    )
    body = {"id": result.message.id, "seq": result.message.seq}
    return jsonify(body), 201 if result.created else 200


@route(
    "/threads/<int:thread_id>/read",
    ["POST"],
    summary="Mark the thread read up to seq (default: all)",
    body={"type": "object", "properties": {"seq": {"type": "integer"}}},
    response=_OBJ,
)
def threads_read(thread_id: int) -> Any:
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ValidationError(_l("The request body must be a JSON object."))
    return jsonify(read_thread(current_person(), thread_id, data.get("seq")))


@route(
    "/messages/<int:message_id>",
    ["PATCH"],
    summary="Edit one's message within the network's edit window",
    body={"type": "object", "properties": {"body": {"type": "string"}}, "required": ["body"]},
    response=MESSAGE_SCHEMA,
)
def messages_edit(message_id: int) -> Any:
    data = json_body(("body",))
    message = edit_message(current_person(), message_id, data.get("body"))
    return jsonify(_messages_json([message])[0])


@route(
    "/messages/<int:message_id>",
    ["DELETE"],
    summary="Delete a message (its author or a facilitator); it stays as deleted",
    response=MESSAGE_SCHEMA,
)
def messages_delete(message_id: int) -> Any:
    message = delete_message(current_person(), message_id)
    return jsonify(message_json(message))


@route(
    "/messages/<int:message_id>/history",
    summary="A message's edit history, oldest first: each earlier version with when it was "
    "replaced and by whom (everyone who may read the thread)",
    response=EDIT_HISTORY_SCHEMA,
)
def messages_history(message_id: int) -> Any:
    return jsonify(edit_history(current_person(), message_id))


@route(
    "/messages/<int:message_id>/reactions",
    ["POST"],
    summary="Toggle a reaction ({emoji}; {emoji, on: true|false} to set it)",
    body={
        "type": "object",
        "properties": {"emoji": {"type": "string"}, "on": {"type": "boolean"}},
        "required": ["emoji"],
    },
    response=_OBJ,
)
def messages_react(message_id: int) -> Any:
    data = json_body(("emoji",))
    on = None if data.get("on") is None else _bool(data.get("on"), "on")
    person = current_person()
    reactions = react(person, message_id, data.get("emoji"), on)
    return jsonify({"message_id": message_id, "reactions": reactions})


@route(
    "/messages/search",
    summary="Search messages in the networks the caller may read",
    query={"q": "words (prefixes)", "network": "only this network id"},
    response=MESSAGES_SCHEMA,
)
def messages_search() -> Any:
    found = search_messages(current_person(), request.args.get("q", ""), int_arg("network"))
    out = []
    for m in found:
        item = message_json(m)
        item["thread"] = {
            "id": m.thread.id,
            "title": m.thread.title,
            "network_id": m.thread.network_id,
        }
        out.append(item)
    return jsonify({"messages": out, "more": False})


# --- unread and notifications ------------------------------------------------------------


@route(
    "/me/unread",
    summary="Unread messages per thread in the caller's networks, and unread notifications",
    response=_OBJ,
)
def networks_unread() -> Any:
    person = current_person()
    counts = unread_counts(person)
    return jsonify(
        {
            "threads": {str(k): v for k, v in counts.items()},
            "notifications": unread_notification_count(person),
        }
    )


@route(
    "/me/networks",
    summary="The caller's networks with their threads and unread counts (a chat sidebar)",
    response={"type": "array", "items": _OBJ},
)
def networks_sidebar() -> Any:
    out = []
    for network, threads, unread in sidebar(current_person()):
        item = network_json(network)
        item["threads"] = [thread_json(t, unread.get(t.id, 0)) for t in threads]
        item["unread"] = sum(unread.values())
        out.append(item)
    return jsonify(out)


@route(
    "/notifications",
    summary="The caller's notifications, newest first",
    query={"unread": "true: only unread"},
    response={"type": "array", "items": _OBJ},
)
def notifications_list() -> Any:
    unread = _bool(request.args.get("unread", "false"), "unread")
    return jsonify([notification_json(n) for n in list_notifications(current_person(), unread)])


@route(
    "/notifications/read",
    ["POST"],
    summary="Mark notifications read ({ids: [...]}, or all without ids)",
    body={"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}},
    response=_OBJ,
)
def notifications_read() -> Any:
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict) or not isinstance(data.get("ids", []), list):
        raise ValidationError(_l("Send {ids: [...]} or an empty object."))
    count = mark_notifications_read(current_person(), data.get("ids"))
    return jsonify({"marked": count})


_SETTINGS = {
    "type": "object",
    "properties": {
        "email_digest": {"type": "string", "enum": ["never", "daily", "weekly"]},
        "desktop_notifications": {
            "type": "boolean",
            "description": "desktop notifications (the browser's Notification API) for "
            "mentions and replies, shown while the tab is hidden",
        },
        "quiet_from": {
            "type": ["string", "null"],
            "description": "start of the quiet hours, HH:MM Europe/Oslo (null: none)",
        },
        "quiet_to": {
            "type": ["string", "null"],
            "description": "end of the quiet hours, HH:MM Europe/Oslo; before quiet_from "
            "spans midnight. No desktop notifications and no e-mail in quiet hours (the "
            "digest waits until they end)",
        },
        "timezone": {"type": "string", "description": "always Europe/Oslo (read only)"},
    },
}


@route(
    "/me/notification-settings",
    summary="The caller's notification settings (e-mail digest, desktop notifications, "
    "quiet hours)",
    response=_SETTINGS,
)
def notification_settings() -> Any:
    return jsonify(settings_json(current_person()))


@route(
    "/me/notification-settings",
    ["PUT"],
    summary="Change the settings given (the others stay); quiet_from and quiet_to both or "
    "neither; a bad value is a 422 naming its field and changes nothing",
    body={
        "type": "object",
        "properties": {k: v for k, v in _SETTINGS["properties"].items() if k != "timezone"},
    },
    response=_SETTINGS,
)
def notification_settings_set() -> Any:
    data = json_body()
    return jsonify(set_notification_settings(current_person(), data))
