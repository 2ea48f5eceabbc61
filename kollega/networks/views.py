"""Pages of learning networks. Everything works without JavaScript: the thread page
renders its messages on the server and posts through a plain form (with a client_id,
so a double submit stores one message); ``assets/chat/ (static/vendor/chat.js)`` adds live behaviour."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user
from markupsafe import Markup

from kollega import formflow, permissions
from kollega.audit.services import record
from kollega.auth import sessions
from kollega.auth.services import find_by_email
from kollega.current import current_person
from kollega.db import now_utc
from kollega.errors import DomainError, NotFound, ValidationError
from kollega.extensions import db, limiter
from kollega.networks import (
    compose_views,
    invitations,
    members,
    messages,
    networks,
    reads,
    send,
    threads,
)
from kollega.networks.composer import composer_html, fresh_composer_html
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
from kollega.networks.models import Message
from kollega.networks.notifications import (
    email_digest,
    list_notifications,
    mark_notifications_read,
    set_email_digest,
    set_notification_settings,
    settings_json,
    unread_notification_count,
)
from kollega.networks.page_messages import PageMessage, page_messages, page_reactions
from kollega.networks.page_strings import thread_strings
from kollega.networks.render import Viewer, message_html, quote_markdown
from kollega.networks.search_views import search_page
from kollega.networks.serialise import preload_attachments
from kollega.networks.sidebar import sidebar_html
from kollega.uow import keep_on_refusal
from kollega.web import register_nav, register_start_panel

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
        for nid, name, unread in reads.my_networks_unread(person, limit=50)
    ]


bp.add_app_template_global(sidebar_html, "chat_sidebar_html")
bp.add_app_template_global(thread_strings, "thread_strings")


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
    register_start_panel("networks/_start_panel.html", _start_panel_visible, order=20)


_register_start_panel()


def _codes(raw: str | None) -> list[str]:
    return [c for c in (raw or "").replace(";", ",").replace(" ", ",").split(",") if c]


# --- browse, create, approve --------------------------------------------------------------


@bp.route("/networks")
@login_required
def index() -> Any:
    person = current_person()
    query = request.args.get("q", "").strip()[:100]
    mine = networks.list_networks(person, mine=True)
    others = [
        r
        for r in networks.list_networks(person, query=query, status="active")
        if r.my_state != "active"
    ]
    proposals = [
        r
        for r in networks.list_networks(person, status="proposed")
        if permissions.can_approve_network(person, r.network)
        or r.network.created_by_id == person.id
    ]
    return render_template(
        "networks/index.html",
        mine=mine,
        others=others,
        proposals=proposals,
        query=query,
        unread=reads.unread_counts(person),
        may_create=permissions.can_create_network(person),
        may_propose=permissions.can_propose_network(person),
    )


@bp.route("/networks/new", methods=["GET", "POST"])
@login_required
def create() -> Any:
    person = current_person()
    permissions.require(permissions.can_propose_network(person))
    form = NetworkForm()
    may_create = permissions.can_create_network(person)
    if form.validate_on_submit():
        try:
            network = networks.create_network(
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
    networks.approve_network(current_person(), network_id)
    flash(_l("The network is approved."), "success")
    return _back(network_id)


@bp.route("/networks/<int:network_id>/reject", methods=["POST"])
@login_required
def reject(network_id: int) -> Any:
    networks.reject_network(current_person(), network_id)
    flash(_l("The proposal is turned down."), "success")
    return redirect(url_for("networks.index"))


@bp.route("/networks/<int:network_id>/archive", methods=["POST"])
@login_required
def archive(network_id: int) -> Any:
    networks.archive_network(current_person(), network_id)
    flash(_l("The network is archived. It can still be read."), "success")
    return _back(network_id)


# --- one network ---------------------------------------------------------------------------


@bp.route("/networks/<int:network_id>")
@login_required
def network(network_id: int) -> Any:
    person = current_person()
    return _network_page(person, networks.find_network(person, network_id))


def _network_page(person: Any, net: Any, invite_form: Any = None, status: int = 200) -> Any:
    """The network's page; ``invite_form`` a refused invitation, shown again (422)."""
    can_read = permissions.can_read_network(person, net)
    can_moderate = permissions.can_moderate(person, net)
    membership = permissions.network_membership(person, net)
    active, pending, listed, unread = [], [], [], {}
    if can_read:
        states = ("active", "requested", "invited") if can_moderate else ("active",)
        everyone = members.list_members(person, net.id, states)
        active = [m for m in everyone if m.state == "active"]
        pending = [m for m in everyone if m.state != "active"]
        listed = threads.list_threads(person, net.id)
        unread = reads.unread_counts(person, [t.id for t in listed])
    return render_template(
        "networks/network.html",
        network=net,
        membership=membership,
        can_read=can_read,
        can_post=permissions.can_post(person, net),
        can_moderate=can_moderate,
        can_archive=permissions.can_archive_network(person, net),
        can_approve=permissions.can_approve_network(person, net),
        members=active,
        pending=pending,
        threads=listed,
        unread=unread,
        thread_form=ThreadForm(formdata=None, client_id=secrets.token_urlsafe(12)),
        invite_form=invite_form or InviteForm(formdata=None),
    ), status


@bp.route("/networks/<int:network_id>/join", methods=["POST"])
@login_required
def join(network_id: int) -> Any:
    member = members.join_network(current_person(), network_id)
    if member.state == "requested":
        flash(_l("You have asked to join. A facilitator will answer."), "success")
    else:
        flash(_l("Welcome to the network."), "success")
    return _back(network_id)


@bp.route("/networks/<int:network_id>/leave", methods=["POST"])
@login_required
def leave(network_id: int) -> Any:
    person = current_person()
    members.leave_network(person, network_id)
    flash(_l("You have left the network."), "success")
    return redirect(url_for("networks.index"))


@bp.route("/networks/<int:network_id>/members/<int:person_id>/approve", methods=["POST"])
@login_required
def approve_member(network_id: int, person_id: int) -> Any:
    members.approve_member(current_person(), network_id, person_id)
    flash(_l("The request is approved."), "success")
    return _back(network_id, "#requests")


@bp.route("/networks/<int:network_id>/members/<int:person_id>/remove", methods=["POST"])
@login_required
def remove_member(network_id: int, person_id: int) -> Any:
    members.remove_member(current_person(), network_id, person_id)
    flash(_l("Removed from the network."), "success")
    return _back(network_id, "#members")


@bp.route("/networks/<int:network_id>/members/<int:person_id>/role", methods=["POST"])
@login_required
def member_role(network_id: int, person_id: int) -> Any:
    members.set_member_role(current_person(), network_id, person_id, request.form.get("role"))
    flash(_l("The role is changed."), "success")
    return _back(network_id, "#members")


@bp.route("/networks/<int:network_id>/invite", methods=["POST"])
@login_required
def invite(network_id: int) -> Any:
    person = current_person()
    net = networks.find_network(person, network_id)
    permissions.require(
        permissions.can_moderate(person, net), _l("Only the network's facilitators can do this.")
    )
    form = InviteForm()
    if form.validate_on_submit():
        existing = find_by_email(form.email.data)
        invite = None
        try:
            if existing is not None and not existing.is_guest:
                # Consent: an employee is invited and joins by accepting.
                invited = members.invite_member(person, net.id, existing.id)
            else:
                invite = invitations.invite_guest_with_link(
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
            if invite is None and invited.state == "invited":
                flash(
                    _l(
                        "%(name)s is invited and joins by accepting the invitation.",
                        name=existing.name,
                    ),
                    "success",
                )
            elif invite is None:
                flash(_l("Added to the network: they had asked to join."), "success")
            elif send_guest_invitation(invite, person):
                flash(_l("The guest is added and gets an invitation by e-mail."), "success")
            else:
                flash(
                    _l("The guest is added, but the invitation e-mail could not be sent."), "error"
                )
            return _back(net.id, "#members")
    # Shown again with what was typed and each message beside its field.
    return _network_page(person, net, form, 422)


# --- guests' invitation links (no sign-in needed: the link is the proof) ------------------


def _start_session(person: Any) -> bool:
    """Stamp the new session as the sign-in page does (session timeouts, second factor);
    whether the person must enrol a second factor first."""
    sessions.start(False)
    return bool(sessions.owes_second_factor(session, person))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def invitation(token: str) -> Any:
    """A guest's invitation link: choose a password, then be signed in (the link works
    once; an unknown link is answered 404, a used or expired one 410, with a page
    saying so)."""
    try:
        row = invitations.find_invitation(token)
    except (invitations.InvitationGone, NotFound) as exc:
        db.session.rollback()
        return render_template("networks/invitation_gone.html", message=exc.message), exc.status
    form = GuestPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = invitations.accept_invitation(token, form.password.data)
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
            lang = session.get("lang")
            session.clear()  # a fresh session at sign-in, as on the sign-in page
            if lang:
                session["lang"] = lang
            login_user(guest)
            if _start_session(guest):
                return redirect(url_for("auth.two_factor_setup"))
            flash(_l("Welcome! Your password is set and you are signed in."), "success")
            if network_id in members.network_ids_for_person(guest):
                return redirect(url_for("networks.network", network_id=network_id))
            return redirect(url_for("networks.index"))
    elif request.method == "POST":
        status = 422
    return render_template("networks/invitation.html", form=form, invitation=row), status


@bp.route("/networks/<int:network_id>/threads/new")
@login_required
def new_thread(network_id: int) -> Any:
    return compose_views.new_thread_page(network_id)


@bp.route("/networks/<int:network_id>/threads", methods=["POST"])
@login_required
def open_thread(network_id: int) -> Any:
    return compose_views.open_thread_page(network_id)


# --- network settings (facilitators, admins): compose_views -------------------------------

bp.add_app_template_global(compose_views.may_change_settings, "may_change_network_settings")


@bp.route("/networks/<int:network_id>/settings", methods=["GET", "POST"])
@login_required
def network_settings(network_id: int) -> Any:
    return compose_views.settings_page(network_id)


@bp.route("/networks/<int:network_id>/settings/status", methods=["POST"])
@login_required
def network_status(network_id: int) -> Any:
    return compose_views.status_page(network_id)


# --- threads and messages ------------------------------------------------------------------


def _thread_page(thread_id: int, form: MessageForm | None = None, status: int = 200) -> Any:
    person = current_person()
    # The thread, the viewer's membership row (for every check below), whether they
    # follow it and their read marker, in one query.
    thread, member, following, last_read, bell = threads.thread_for_reader(person, thread_id)
    before = request.args.get("before", type=int)
    page, more, first_unread = _opening_page(person, thread, before, last_read)
    reactions = page_reactions(page)
    # m.attachments for the messages with files (kollega.uploads); most pages have none.
    preload_attachments([m for m in page if m.has_files])
    net = thread.network
    can_post = permissions.can_post(person, net, member)
    if form is None and request.args.get("reply", type=int):
        form = _reply_form(person, thread)
    composer = None
    if can_post:
        composer = (
            fresh_composer_html(thread.id) if form is None else composer_html(thread.id, form)
        )
    mark = bool(page) and before is None and thread.network.status != "proposed"
    # Nothing to write when the marker is already past the page and the person has no
    # unread notification at all (the marker only moves forward; none to mark read).
    if mark and (page[-1].seq > last_read or bell > 0):
        bell -= reads.mark_thread_read_counted(person, thread, page[-1].seq)[1]
    # The header's bell (``notification_bell``): read with the thread, less those the
    # read mark just marked read.
    g.notification_count = max(0, bell)
    can_manage = permissions.can_manage_thread(person, thread, member)
    html = render_template(
        "networks/thread.html",
        thread=thread,
        network=net,
        messages=page,
        message_list=message_list(
            page,
            message_html(
                Viewer(
                    person.id,
                    can_post=can_post,
                    can_manage=can_manage,
                    can_moderate=permissions.can_moderate(person, net, member),
                    editable=frozenset(_editable(person, net, page)),
                    following=following,
                ),
                thread,
                page,
                reactions,
            ),
            first_unread,
        ),
        more=more,
        first_unread=first_unread,
        composer=composer,
        can_post=can_post,
        can_manage=can_manage,
        following=following,
        me=person,
    )
    # The request's edge commits the read mark after rendering (a commit expires every
    # loaded object); a refused post's page keeps it too, as the page was read.
    if mark and status >= 400:
        keep_on_refusal()
    return html, status


def message_list(page: list[PageMessage], html: list[Markup], first_unread: int) -> Markup:
    """The inside of thread.html's message log: each message's ``<article>`` (``html``,
    in ``page``'s order) and before the first unread one (seq ``first_unread``, 0: none)
    its divider, with the whitespace the template's loop gave them."""
    divider = Markup(
        '<div id="unread-divider" class="unread-divider"><span>{}</span></div>'
    ).format(thread_strings()["new"])
    parts = ["\n    "]
    for m, article in zip(page, html, strict=True):
        mark = divider if first_unread and m.seq == first_unread else ""
        parts.append(f"\n    {mark}\n    {article}\n    ")
    return Markup("".join(parts))


def _reply_form(person: Any, thread: Any) -> MessageForm:
    """The composer's form answering (and with ``quote``, quoting) the message in the
    ``reply`` argument, when it is a message of this thread that is not deleted."""
    form = MessageForm(formdata=None, client_id=secrets.token_urlsafe(12))
    try:
        quoted = messages.get_message(person, request.args.get("reply", type=int))
    except DomainError:
        quoted = None
    if quoted is not None and quoted.thread_id == thread.id and not quoted.is_deleted:
        form.reply_to.data = str(quoted.id)
        if request.args.get("quote"):
            form.body.data = quote_markdown(quoted.author.name, quoted.body)
    return form


def _opening_page(
    person: Any, thread: Any, before: int | None, last_read: int
) -> tuple[list[PageMessage], bool, int]:
    """The one page the thread page renders, whether older messages exist, and the seq of
    the first unread message (0: none). The latest page, unless the reader's first unread
    message is older than it: then the page starts there (with a little context), and the
    client catches up with the rest as it joins (after the page's last seq). ``last_read``
    is the reader's read marker (``thread_for_reader``)."""
    if before is not None:
        page, more = page_messages(thread.id, before_seq=before)
        return page, more, 0
    if last_read < thread.last_seq - messages.PAGE:
        page, _ = page_messages(thread.id, after_seq=max(0, last_read - 3))
        more = bool(page) and page[0].seq > 1
    else:
        page, more = page_messages(thread.id)
    first = next((m.seq for m in page if m.seq > last_read and m.author_id != person.id), 0)
    return page, more, first


def _editable(person: Any, net: Any, messages: list[PageMessage]) -> set[int]:
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
    person = current_person()
    form = MessageForm()
    if form.validate_on_submit():
        client_id = form.client_id.data or secrets.token_urlsafe(12)
        try:
            result = send.send_message(
                person, thread_id, client_id, form.body.data, form.reply_to.data or None
            )
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            form.body.errors = [*form.body.errors, str(exc.message)]
        else:
            seq = result.message.seq
            return redirect(url_for("networks.thread", thread_id=thread_id) + f"#m{seq}")
    return _thread_page(thread_id, form, 422)


@bp.route("/threads/<int:thread_id>/state", methods=["POST"])
@login_required
def thread_state(thread_id: int) -> Any:
    person = current_person()
    action = request.form.get("action", "")
    if action == "resolve":
        threads.resolve_thread(person, thread_id, True)
    elif action == "reopen":
        threads.resolve_thread(person, thread_id, False)
    elif action == "accept":
        threads.accept_answer(person, thread_id, request.form.get("message_id"))
    elif action in ("follow", "unfollow"):
        threads.follow_thread(person, thread_id, action == "follow")
    else:
        raise DomainError(_l("Unknown action."))
    return redirect(url_for("networks.thread", thread_id=thread_id))


def _message_or_404(message_id: int) -> Message:
    return messages.get_message(current_person(), message_id)


@bp.route("/messages/<int:message_id>/edit", methods=["GET", "POST"])
@login_required
def edit_message(message_id: int) -> Any:
    person = current_person()
    message = _message_or_404(message_id)
    form = EditMessageForm(obj=message) if request.method == "GET" else EditMessageForm()
    if form.validate_on_submit():
        try:
            messages.edit_message(person, message.id, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            form.body.errors = [*form.body.errors, str(exc.message)]
        else:
            return redirect(
                url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}"
            )
    return render_template(
        "networks/edit_message.html",
        form=form,
        message=message,
        history=messages.message_history(person, message.id),
    ), (422 if form.errors else 200)


@bp.route("/messages/<int:message_id>/delete", methods=["POST"])
@login_required
def delete_message(message_id: int) -> Any:
    message = messages.delete_message(current_person(), message_id)
    flash(_l("The message is deleted."), "success")
    return redirect(url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}")


@bp.route("/messages/<int:message_id>/react", methods=["POST"])
@login_required
def react(message_id: int) -> Any:
    person = current_person()
    messages.react(person, message_id, request.form.get("emoji"))
    message = messages.get_message(person, message_id)
    return redirect(url_for("networks.thread", thread_id=message.thread_id) + f"#m{message.seq}")


# --- search and notifications --------------------------------------------------------------


@bp.route("/networks/search")
@login_required
def search() -> Any:
    return search_page(current_person(), request.args)


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> Any:
    person = current_person()
    if request.method == "POST" and request.form.get("form") == "attention":
        return _attention_settings(person)
    if request.method == "POST":
        if "email_digest" in request.form:
            set_email_digest(person, request.form.get("email_digest"))
            flash(_l("Your setting is saved."), "success")
        else:
            mark_notifications_read(person)
            flash(_l("All notifications are marked as read."), "success")
        return redirect(url_for("networks.notifications"))
    return render_template(
        "networks/notifications.html",
        items=list_notifications(person),
        digest=email_digest(person),
        settings=settings_json(person),
        errors=[],
    )


def _attention_settings(person: Any) -> Any:
    """Desktop notifications and quiet hours (the notification page's second form): saved
    and back to the page, or the page again with each error beside its input (422,
    what was typed kept, nothing stored)."""
    form = request.form
    data = {
        "desktop_notifications": form.get("desktop_notifications") == "on",
        "quiet_from": form.get("quiet_from", ""),
        "quiet_to": form.get("quiet_to", ""),
    }
    ids = {key: key.replace("_", "-") for key in data}
    saved, errors = formflow.attempt_placed(
        lambda: set_notification_settings(person, data), ids, "quiet-from"
    )
    if saved is not None:
        flash(_l("Your setting is saved."), "success")
        return redirect(url_for("networks.notifications") + "#attention-heading")
    html = render_template(
        "networks/notifications.html",
        items=list_notifications(person),
        digest=email_digest(person),
        settings={**settings_json(person), **data},
        errors=errors,
    )
    return html, 422


@bp.app_template_global("notification_bell")
def notification_bell() -> dict[str, Any] | None:
    """The header's notification link and unread count (``templates/base.html``)."""
    if not current_user.is_authenticated:
        return None
    count = g.get("notification_count")  # the thread page read it with the thread
    if count is None:
        count = unread_notification_count(current_person())
    return {"url": url_for("networks.notifications"), "count": count}
