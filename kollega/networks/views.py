"""Pages of learning networks. Everything works without JavaScript: the thread page
renders its messages on the server and posts through a plain form (with a client_id,
so a double submit stores one message); ``static/networks.js`` adds live behaviour."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale, get_timezone, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from kollega import permissions
from kollega.audit.services import record
from kollega.db import now_utc
from kollega.errors import DomainError, NotFound, ValidationError
from kollega.extensions import db, limiter
from kollega.networks import broadcast
from kollega.networks import services as svc
from kollega.networks.forms import (
    KIND_CHOICES,
    THREAD_KIND_CHOICES,
    EditMessageForm,
    GuestPasswordForm,
    InviteForm,
    MessageForm,
    NetworkForm,
    ThreadForm,
)
from kollega.networks.mail import send_guest_invitation
from kollega.networks.models import Message, Thread
from kollega.networks.render import FragmentCache, quote_markdown
from kollega.web import register_nav

bp = Blueprint("networks", __name__)

register_nav(_l("Networks"), "networks.index", lambda p: p.is_authenticated and p.active, order=20)

KIND_LABELS = dict(KIND_CHOICES)
VISIBILITY_LABELS = {
    "open": _l("Open"),
    "request": _l("On request"),
    "invite": _l("Invite only"),
}
STATUS_LABELS = {"proposed": _l("Proposed"), "active": _l("Active"), "archived": _l("Archived")}
THREAD_KIND_LABELS = {**dict(THREAD_KIND_CHOICES), "learning_stop": _l("Learning stop")}
ROLE_LABELS = {"member": _l("member"), "facilitator": _l("facilitator")}


@bp.app_template_global("network_labels")
def network_labels() -> dict[str, Any]:
    return {
        "kind": KIND_LABELS,
        "visibility": VISIBILITY_LABELS,
        "status": STATUS_LABELS,
        "thread_kind": THREAD_KIND_LABELS,
        "role": ROLE_LABELS,
    }


@dataclass(frozen=True, slots=True)
class NetworkName:
    id: int
    name: str


@bp.app_template_global("my_networks_summary")
def my_networks_summary(person: Any) -> list[dict[str, Any]]:
    """For the start page and the chat sidebar: the person's networks (``network`` with
    ``id`` and ``name``) with their unread message counts."""
    return [
        {"network": NetworkName(nid, name), "unread": unread}
        for nid, name, unread in svc.my_networks_unread(person, limit=50)
    ]


_CHAT_STRINGS: dict[str, Markup] = {}


@bp.app_template_global("chat_strings")
def chat_strings() -> Markup:
    """The live chat client's translated strings as data attributes (networks/_live.html),
    rendered once per locale: twenty translations on every thread page otherwise."""
    locale = str(get_locale())
    html = _CHAT_STRINGS.get(locale)
    if html is None:
        html = Markup(render_template("networks/_chat_strings.html"))
        if len(_CHAT_STRINGS) < 32:  # locales come from LANGUAGES; bounded all the same
            _CHAT_STRINGS[locale] = html
    return html


def _start_panel_visible(person: Any) -> bool:
    return bool(person.is_authenticated)


def _register_start_panel() -> None:
    from kollega.home.views import START_PANELS

    entry = ("networks/_start_panel.html", _start_panel_visible)
    if not any(tpl == entry[0] for tpl, _ in START_PANELS):
        START_PANELS.append(entry)


_register_start_panel()


def _me() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _codes(raw: str | None) -> list[str]:
    return [c for c in (raw or "").replace(";", ",").replace(" ", ",").split(",") if c]


# --- browse, create, approve --------------------------------------------------------------


@bp.route("/networks")
@login_required
def index() -> Any:
    person = _me()
    query = request.args.get("q", "").strip()[:100]
    mine = svc.list_networks(person, mine=True)
    others = [
        r for r in svc.list_networks(person, query=query, status="active") if r.my_state != "active"
    ]
    proposals = [
        r
        for r in svc.list_networks(person, status="proposed")
        if permissions.can_approve_network(person, r.network)
        or r.network.created_by_id == person.id
    ]
    return render_template(
        "networks/index.html",
        mine=mine,
        others=others,
        proposals=proposals,
        query=query,
        unread=svc.unread_counts(person),
        may_create=permissions.can_create_network(person),
        may_propose=permissions.can_propose_network(person),
    )


@bp.route("/networks/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    person = _me()
    permissions.require(permissions.can_propose_network(person))
    form = NetworkForm()
    may_create = permissions.can_create_network(person)
    if form.validate_on_submit():
        try:
            network = svc.create_network(
                person,
                form.name.data,
                form.purpose.data,
                form.kind.data,
                form.visibility.data,
                None,
                _codes(form.target_competences.data),
                form.edit_window_minutes.data,
            )
        except DomainError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, str(message)]
            if not exc.fields:
                form.name.errors = [*form.name.errors, str(exc.message)]
        else:
            db.session.commit()
            if network.status == "proposed":
                flash(_l("Your proposal is sent. A leader or HR will approve it."), "success")
            else:
                flash(_l("The network is created. You are its facilitator."), "success")
            return redirect(url_for("networks.network", network_id=network.id))
    status = 422 if form.errors else 200
    return render_template("networks/new.html", form=form, may_create=may_create), status


def _back(network_id: int, anchor: str = "") -> Any:
    return redirect(url_for("networks.network", network_id=network_id) + anchor)


@bp.route("/networks/<int:network_id>/approve", methods=["POST"])
@login_required
def approve(network_id: int) -> Any:
    svc.approve_network(_me(), network_id)
    db.session.commit()
    flash(_l("The network is approved."), "success")
    return _back(network_id)


@bp.route("/networks/<int:network_id>/reject", methods=["POST"])
@login_required
def reject(network_id: int) -> Any:
    svc.reject_network(_me(), network_id)
    db.session.commit()
    flash(_l("The proposal is turned down."), "success")
    return redirect(url_for("networks.index"))


@bp.route("/networks/<int:network_id>/archive", methods=["POST"])
@login_required
def archive(network_id: int) -> Any:
    svc.archive_network(_me(), network_id)
    db.session.commit()
    flash(_l("The network is archived. It can still be read."), "success")
    return _back(network_id)


# --- one network ---------------------------------------------------------------------------


@bp.route("/networks/<int:network_id>")
@login_required
def network(network_id: int) -> Any:
    person = _me()
    net = svc.find_network(person, network_id)
    can_read = permissions.can_read_network(person, net)
    can_moderate = permissions.can_moderate(person, net)
    membership = permissions.network_membership(person, net)
    members, pending, threads, unread = [], [], [], {}
    if can_read:
        states = ("active", "requested", "invited") if can_moderate else ("active",)
        everyone = svc.list_members(person, net.id, states)
        members = [m for m in everyone if m.state == "active"]
        pending = [m for m in everyone if m.state != "active"]
        threads = svc.list_threads(person, net.id)
        unread = svc.unread_counts(person, [t.id for t in threads])
    return render_template(
        "networks/network.html",
        network=net,
        membership=membership,
        can_read=can_read,
        can_post=permissions.can_post(person, net),
        can_moderate=can_moderate,
        can_archive=permissions.can_archive_network(person, net),
        can_approve=permissions.can_approve_network(person, net),
        members=members,
        pending=pending,
        threads=threads,
        unread=unread,
        thread_form=ThreadForm(formdata=None, client_id=secrets.token_urlsafe(12)),
        invite_form=InviteForm(formdata=None),
    )


@bp.route("/networks/<int:network_id>/join", methods=["POST"])
@login_required
def join(network_id: int) -> Any:
    member = svc.join_network(_me(), network_id)
    db.session.commit()
    if member.state == "requested":
        flash(_l("You have asked to join. A facilitator will answer."), "success")
    else:
        flash(_l("Welcome to the network."), "success")
    return _back(network_id)


@bp.route("/networks/<int:network_id>/leave", methods=["POST"])
@login_required
def leave(network_id: int) -> Any:
    person = _me()
    svc.leave_network(person, network_id)
    db.session.commit()
    broadcast.drop_from_network(person.id, network_id)
    flash(_l("You have left the network."), "success")
    return redirect(url_for("networks.index"))


@bp.route("/networks/<int:network_id>/members/<int:person_id>/approve", methods=["POST"])
@login_required
def approve_member(network_id: int, person_id: int) -> Any:
    svc.approve_member(_me(), network_id, person_id)
    db.session.commit()
    flash(_l("The request is approved."), "success")
    return _back(network_id, "#requests")


@bp.route("/networks/<int:network_id>/members/<int:person_id>/remove", methods=["POST"])
@login_required
def remove_member(network_id: int, person_id: int) -> Any:
    svc.remove_member(_me(), network_id, person_id)
    db.session.commit()
    broadcast.drop_from_network(person_id, network_id)
    flash(_l("Removed from the network."), "success")
    return _back(network_id, "#members")


@bp.route("/networks/<int:network_id>/members/<int:person_id>/role", methods=["POST"])
@login_required
def member_role(network_id: int, person_id: int) -> Any:
    svc.set_member_role(_me(), network_id, person_id, request.form.get("role"))
    db.session.commit()
    flash(_l("The role is changed."), "success")
    return _back(network_id, "#members")


@bp.route("/networks/<int:network_id>/invite", methods=["POST"])
@login_required
def invite(network_id: int) -> Any:
    from kollega.auth.services import find_by_email

    person = _me()
    net = svc.find_network(person, network_id)
    permissions.require(
        permissions.can_moderate(person, net), _l("Only the network's facilitators can do this.")
    )
    form = InviteForm()
    if form.validate_on_submit():
        existing = find_by_email(form.email.data)
        invite = None
        try:
            if existing is not None and not existing.is_guest:
                svc.add_member(person, net.id, existing.id)
            else:
                invite = svc.invite_guest_with_link(
                    person, net.id, form.email.data, form.name.data or ""
                )
        except DomainError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, str(message)]
            if not exc.fields:
                form.email.errors = [*form.email.errors, str(exc.message)]
        else:
            db.session.commit()
            if invite is None:
                flash(_l("Added to the network."), "success")
            elif send_guest_invitation(invite, person):
                flash(_l("The guest is added and gets an invitation by e-mail."), "success")
            else:
                flash(
                    _l("The guest is added, but the invitation e-mail could not be sent."), "error"
                )
            return _back(net.id, "#members")
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return _back(net.id, "#invite")


# --- guests' invitation links (no sign-in needed: the link is the proof) ------------------


def _start_session(person: Any) -> bool:
    """Stamp the new session as the sign-in page does (session timeouts, second factor);
    whether the person must enrol a second factor first."""
    from kollega.auth import sessions

    sessions.start(False)
    return bool(sessions.owes_second_factor(session, person))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def invitation(token: str) -> Any:
    """A guest's invitation link: choose a password, then be signed in (the link works
    once; an unknown link is answered 404, a used or expired one 410, with a page
    saying so)."""
    try:
        row = svc.find_invitation(token)
    except (svc.InvitationGone, NotFound) as exc:
        db.session.rollback()
        return render_template("networks/invitation_gone.html", message=exc.message), exc.status
    form = GuestPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = svc.accept_invitation(token, form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, str(exc.message)]
            status = 422
        else:
            guest, network_id = row.person, row.network_id
            record(
                "networks.invitation_accepted",
                actor_id=guest.id,
                target_type="network",
                target_id=network_id,
            )
            db.session.commit()
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in, as on the sign-in page
            if lang:
                session["lang"] = lang
            login_user(guest)
            if _start_session(guest):
                return redirect(url_for("auth.two_factor_setup"))
            flash(_l("Welcome! Your password is set and you are signed in."), "success")
            if network_id in svc.network_ids_for_person(guest):
                return redirect(url_for("networks.network", network_id=network_id))
            return redirect(url_for("networks.index"))
    elif request.method == "POST":
        status = 422
    return render_template("networks/invitation.html", form=form, invitation=row), status


@bp.route("/networks/<int:network_id>/threads", methods=["POST"])
@login_required
def open_thread(network_id: int) -> Any:
    person = _me()
    net = svc.find_network(person, network_id)
    form = ThreadForm()
    if form.validate_on_submit():
        parts = {
            key: form[key].data
            for key in ("situation", "what_we_did", "what_we_learned", "next_time")
            if form[key].data
        }
        try:
            thread, first = svc.open_thread(
                person,
                net.id,
                form.title.data,
                form.kind.data,
                form.body.data or "",
                _codes(form.competence_tags.data),
                form.client_id.data or None,
                parts if form.kind.data == "experience" and parts else None,
            )
        except DomainError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, str(message)]
            if not exc.fields:
                raise
        else:
            db.session.commit()
            if first is not None:
                broadcast.message_created(first)
            return redirect(url_for("networks.thread", thread_id=thread.id))
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
    return _back(net.id, "#new-thread")


# --- threads and messages ------------------------------------------------------------------


def _thread_page(thread_id: int, form: MessageForm | None = None, status: int = 200) -> Any:
    person = _me()
    # The thread, the viewer's membership row (for every check below) and whether they
    # follow it, in one query.
    thread, member, following = svc.thread_for_reader(person, thread_id)
    before = request.args.get("before", type=int)
    messages, more = svc.thread_messages(thread, before_seq=before)
    reactions = svc.reactions_for([m.id for m in messages])
    net = thread.network
    can_post = permissions.can_post(person, net, member)
    if form is None:
        form = MessageForm(formdata=None, client_id=secrets.token_urlsafe(12))
        reply = request.args.get("reply", type=int)
        if reply:
            try:
                quoted = svc.get_message(person, reply)
            except DomainError:
                quoted = None
            if quoted is not None and quoted.thread_id == thread.id and not quoted.is_deleted:
                form.reply_to.data = str(quoted.id)
                if request.args.get("quote"):
                    form.body.data = quote_markdown(quoted.author.name, quoted.body)
    mark = bool(messages) and before is None and thread.network.status != "proposed"
    if mark:
        svc.mark_thread_read(person, thread, messages[-1].seq)
    can_manage = permissions.can_manage_thread(person, thread, member)
    html = render_template(
        "networks/thread.html",
        thread=thread,
        network=net,
        messages=messages,
        message_html=_message_html(
            person,
            thread,
            messages,
            reactions,
            can_post=can_post,
            can_manage=can_manage,
            can_moderate=permissions.can_moderate(person, net, member),
            editable=_editable(person, net, messages),
        ),
        more=more,
        form=form,
        can_post=can_post,
        can_manage=can_manage,
        following=following,
        me=person,
    )
    # Commit the read mark only after rendering: a commit expires every loaded object, and
    # the template would then reload each message and author one query at a time.
    if mark:
        db.session.commit()
    return html, status


# Rendered messages, keyed on everything a message's HTML shows (its text, author name,
# reply, reactions, the viewer's controls, locale and time zone): an edit, deletion,
# reaction or rename makes a new key, so an entry is never served stale, and viewers
# with the same controls share entries. The viewer's CSRF token is not in the cache: the
# fragment holds a marker (random per process, so no message can contain it) that is
# swapped for the token on the way out.
MESSAGE_FRAGMENTS = FragmentCache()
_CSRF_MARK = f"csrf-{secrets.token_hex(16)}"
_URL_MARK = 987_654_321_987_654_321


def _url_pattern(endpoint: str, **values: Any) -> tuple[str, str] | None:
    """``url_for`` once with a marker id: the text before and after the id."""
    parts = url_for(endpoint, **values).split(str(_URL_MARK))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _message_strings() -> dict[str, Markup]:
    """The per-message strings, translated once per page (as Jinja's ``_()`` would: the
    translation is trusted markup, ``%(name)s`` is filled in escaped)."""
    strings = {
        "edited": gettext("edited"),
        "accepted_answer": gettext("accepted answer"),
        "reply_to": gettext("Reply to"),
        "deleted": gettext("This message was deleted."),
        "reactions": gettext("reactions"),
        "actions": gettext("Actions"),
        "for_message_from": gettext("for the message from %(name)s"),
        "reply": gettext("Reply"),
        "quote": gettext("Quote"),
        "edit": gettext("Edit"),
        "delete": gettext("Delete"),
        "accept": gettext("Accept as answer"),
        "react": gettext("React:"),
    }
    return {key: Markup(text) for key, text in strings.items()}


def _message_html(
    person: Any,
    thread: Thread,
    messages: list[Message],
    reactions: dict[int, list[dict[str, Any]]],
    *,
    can_post: bool,
    can_manage: bool,
    can_moderate: bool,
    editable: set[int],
) -> list[Markup]:
    """Each message's ``<li>``, from MESSAGE_FRAGMENTS or rendered (and kept) there."""
    place = (str(get_locale()), str(get_timezone()), request.script_root)
    accepted_id = thread.accepted_message_id
    question = can_manage and thread.kind == "question"
    macro: Any = None
    strings: dict[str, Markup] = {}
    patterns: dict[str, tuple[str, str] | None] = {}
    state_url = ""
    csrf: str | None = None
    out: list[Markup] = []
    for m in messages:
        deleted = m.deleted_at is not None
        mine = m.author_id == person.id
        rx = tuple(
            (r["emoji"], r["count"], person.id in r["people"]) for r in reactions.get(m.id, ())
        )
        reply = m.reply_to
        flags = (
            mine,
            accepted_id == m.id,
            can_post,
            m.id in editable,
            mine or can_moderate,
            question and accepted_id != m.id,
        )
        key = (
            m.id,
            m.thread_id,
            m.seq,
            m.client_id,
            m.author.name,
            m.created_at,
            m.edited_at,
            deleted,
            # The text only through its hash with the edit time: keys stay small.
            None if deleted else (hash(m.body_html), len(m.body_html)),
            None if reply is None or deleted else (reply.seq, reply.author.name),
            rx,
            flags,
            place,
        )
        parts = MESSAGE_FRAGMENTS.get(key)
        if parts is None:
            if macro is None:
                macro = current_app.jinja_env.get_template("networks/_message.html").module
                strings = _message_strings()
                patterns = {
                    "react": _url_pattern("networks.react", message_id=_URL_MARK),
                    "edit": _url_pattern("networks.edit_message", message_id=_URL_MARK),
                    "delete": _url_pattern("networks.delete_message", message_id=_URL_MARK),
                    "reply": _url_pattern("networks.thread", thread_id=thread.id, reply=_URL_MARK),
                    "quote": _url_pattern(
                        "networks.thread", thread_id=thread.id, reply=_URL_MARK, quote=1
                    ),
                }
                state_url = url_for("networks.thread_state", thread_id=thread.id)
            urls = {"state": state_url}
            for name, pattern in patterns.items():
                urls[name] = (
                    f"{pattern[0]}{m.id}{pattern[1]}"
                    if pattern is not None
                    else _message_url(name, thread.id, m.id)  # the marker showed up twice
                )
            shown = {
                "mine": flags[0],
                "accepted": flags[1],
                "can_post": flags[2],
                "can_edit": flags[3],
                "can_delete": flags[4],
                "can_accept": flags[5],
                "when": format_datetime(m.created_at, "short"),
            }
            html = macro.message_item(m, shown, rx, svc.REACTIONS, urls, strings, _CSRF_MARK)
            parts = tuple(str(html).split(_CSRF_MARK))
            MESSAGE_FRAGMENTS.put(key, parts)
        if len(parts) == 1:
            out.append(Markup(parts[0]))
        else:
            if csrf is None:
                csrf = str(escape(generate_csrf()))
            out.append(Markup(csrf.join(parts)))
    return out


def _message_url(name: str, thread_id: int, message_id: int) -> str:
    if name == "react":
        return url_for("networks.react", message_id=message_id)
    if name == "edit":
        return url_for("networks.edit_message", message_id=message_id)
    if name == "delete":
        return url_for("networks.delete_message", message_id=message_id)
    if name == "quote":
        return url_for("networks.thread", thread_id=thread_id, reply=message_id, quote=1)
    return url_for("networks.thread", thread_id=thread_id, reply=message_id)


def _editable(person: Any, net: Any, messages: list[Message]) -> set[int]:
    """Ids of the person's messages still inside the network's edit window."""
    if net.status != "active":
        return set()
    oldest = now_utc() - dt.timedelta(minutes=net.edit_window_minutes)
    return {
        m.id
        for m in messages
        if m.author_id == person.id and not m.is_deleted and m.created_at >= oldest
    }


@bp.route("/threads/<int:thread_id>")
@login_required
def thread(thread_id: int) -> Any:
    return _thread_page(thread_id)


@bp.route("/threads/<int:thread_id>/messages", methods=["POST"])
@login_required
def post_message(thread_id: int) -> Any:
    person = _me()
    form = MessageForm()
    if form.validate_on_submit():
        client_id = form.client_id.data or secrets.token_urlsafe(12)
        try:
            result = svc.send_message(
                person, thread_id, client_id, form.body.data, form.reply_to.data or None
            )
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            form.body.errors = [*form.body.errors, str(exc.message)]
        else:
            seq = result.message.seq
            events = (
                broadcast.message_created_events(result.message, result.notified)
                if result.created
                else []
            )
            db.session.commit()
            broadcast.publish_events(events)
            return redirect(url_for("networks.thread", thread_id=thread_id) + f"#m{seq}")
    return _thread_page(thread_id, form, 422)


@bp.route("/threads/<int:thread_id>/state", methods=["POST"])
@login_required
def thread_state(thread_id: int) -> Any:
    person = _me()
    action = request.form.get("action", "")
    if action == "resolve":
        svc.resolve_thread(person, thread_id, True)
    elif action == "reopen":
        svc.resolve_thread(person, thread_id, False)
    elif action == "accept":
        svc.accept_answer(person, thread_id, request.form.get("message_id"))
    elif action in ("follow", "unfollow"):
        svc.follow_thread(person, thread_id, action == "follow")
    else:
        raise DomainError(_l("Unknown action."))
    thread = svc.get_thread(person, thread_id)
    db.session.commit()
    if action not in ("follow", "unfollow"):
        broadcast.thread_updated(thread)
    return redirect(url_for("networks.thread", thread_id=thread_id))


def _message_or_404(message_id: int) -> Message:
    return svc.get_message(_me(), message_id)


@bp.route("/messages/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit_message(message_id: int) -> Any:
    person = _me()
    message = _message_or_404(message_id)
    form = EditMessageForm(obj=message) if request.method == "GET" else EditMessageForm()
    if form.validate_on_submit():
        try:
            svc.edit_message(person, message.id, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            form.body.errors = [*form.body.errors, str(exc.message)]
        else:
            db.session.commit()
            broadcast.message_edited(message)
            return redirect(
                url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}"
            )
    return render_template(
        "networks/edit_message.html",
        form=form,
        message=message,
        history=svc.message_history(person, message.id),
    ), (422 if form.errors else 200)


@bp.route("/messages/<int:message_id>/delete", methods=["POST"])
@login_required
def delete_message(message_id: int) -> Any:
    message = svc.delete_message(_me(), message_id)
    db.session.commit()
    broadcast.message_deleted(message)
    flash(_l("The message is deleted."), "success")
    return redirect(url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}")


@bp.route("/messages/<int:message_id>/react", methods=["POST"])
@login_required
def react(message_id: int) -> Any:
    person = _me()
    reactions = svc.react(person, message_id, request.form.get("emoji"))
    message = svc.get_message(person, message_id)
    db.session.commit()
    broadcast.reactions_changed(message, reactions)
    return redirect(url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}")


# --- search and notifications --------------------------------------------------------------


@bp.route("/networks/search")
@login_required
def search() -> Any:
    person = _me()
    query = request.args.get("q", "").strip()
    results = svc.search_messages(person, query) if query else []
    return render_template("networks/search.html", query=query, results=results)


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> Any:
    person = _me()
    if request.method == "POST":
        if "email_digest" in request.form:
            svc.set_email_digest(person, request.form.get("email_digest"))
            flash(_l("Your setting is saved."), "success")
        else:
            svc.mark_notifications_read(person)
            flash(_l("All notifications are marked as read."), "success")
        db.session.commit()
        return redirect(url_for("networks.notifications"))
    return render_template(
        "networks/notifications.html",
        items=svc.list_notifications(person),
        digest=svc.email_digest(person),
    )


@bp.app_template_global("notification_bell")
def notification_bell() -> dict[str, Any] | None:
    """The header's notification link and unread count (``templates/base.html``)."""
    if not current_user.is_authenticated:
        return None
    return {
        "url": url_for("networks.notifications"),
        "count": svc.unread_notification_count(_me()),
    }
