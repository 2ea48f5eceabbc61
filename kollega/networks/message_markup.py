"""One message of the thread page as HTML, built in Python: the markup of
``templates/networks/_message.html``'s ``message_item`` (byte for byte, whitespace
included; tests/networks/test_message_markup.py renders both over every switch) and so
of its browser twin ``assets/chat/message.js``. A cold page renders fifty of these; the
Jinja macro call per message was a third of such a page.

Everything user-given goes through markupsafe's ``escape`` (as Jinja's autoescape does);
``t`` holds the translated strings as ``Markup`` (trusted, as Jinja's ``_()`` gives them)
and ``body_html`` is the stored, already cleaned HTML (``render.render_markdown``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape


def _e(value: Any) -> str:
    return str(escape(value))


def _reactions(rx: tuple[Any, ...], can_post: bool, label: str) -> str:
    out = []
    for emoji, count, pressed in rx:
        e, n = _e(emoji), int(count)
        if can_post:
            out.append(
                f'\n    <button type="button" class="reaction" data-emoji="{e}" aria-pressed='
                f'"{"true" if pressed else "false"}">{e} <span class="count">{n}</span>'
                f'<span class="visually-hidden"> {label}</span></button>'
            )
        else:
            out.append(
                f'\n    <span class="reaction">{e} <span class="count">{n}</span>'
                f'<span class="visually-hidden"> {label}</span></span>'
            )
    return "".join(out)


def _reply(m: Any, f: Mapping[str, Any], t: Mapping[str, Markup]) -> str:
    r = m.reply_to
    excerpt = f["reply_excerpt"]
    tail = f': <span class="excerpt">{_e(excerpt)}</span>' if excerpt else ""
    return (
        f'\n  <blockquote class="reply-quote"><a href="#m{int(r.seq)}"><span '
        f'class="visually-hidden">{t["reply_to"]} </span><strong>{_e(r.author.name)}</strong>'
        f"{tail}</a></blockquote>\n  "
    )


# "Actions for the message from %(name)s", split around the name once per translation.
_LABELS: dict[str, tuple[str, str]] = {}
_NAME = "kollegaNAMEmark"


def _actions_label(template: Markup, name: str) -> str:
    """``template % {"name": name}`` (the name escaped, as ``Markup`` does), escaped for
    an attribute: the same text without formatting the template for every message."""
    parts = _LABELS.get(template)
    if parts is None:
        filled = str(escape(template % {"name": _NAME}))
        if filled.count(_NAME) != 1:
            return _e(template % {"name": name})
        before, _, after = filled.partition(_NAME)
        parts = (before, after)
        if len(_LABELS) < 64:
            _LABELS[str(template)] = parts
    return f"{parts[0]}{_e(name)}{parts[1]}"


def _actions(
    m: Any, f: Mapping[str, Any], u: Mapping[str, str], t: Mapping[str, Markup], csrf: str
) -> str:
    label = _actions_label(t["actions_for"], m.author.name)
    out = [f'\n  <div class="message-actions" role="group" aria-label="{label}">\n    ']
    if f["can_post"]:
        out.append(
            '\n    <button type="button" data-action="react" aria-haspopup="dialog"><span '
            f'class="action-label">{t["react"]}</span></button>\n    <button type="button" '
            f'data-action="reply"><span class="action-label">{t["reply"]}</span></button>\n    '
        )
        if f["can_edit"]:
            out.append(
                '<button type="button" data-action="edit"><span class="action-label">'
                f"{t['edit']}</span></button>"
            )
        out.append("\n    ")
        if f["can_delete"]:
            out.append(
                '<button type="button" data-action="delete"><span class="action-label">'
                f"{t['delete']}</span></button>"
            )
        out.append("\n    ")
    pressed = "true" if f["following"] else "false"
    out.append(
        '\n    <button type="button" data-action="copy-link"><span class="action-label">'
        f'{t["copy_link"]}</span></button>\n    <button type="button" data-action="follow" '
        f'aria-pressed="{pressed}"><span class="action-label">{t["follow"]}</span></button>\n    '
    )
    if m.edited_at:
        out.append(
            '<button type="button" data-action="history" aria-haspopup="dialog"><span '
            f'class="action-label">{t["history"]}</span></button>'
        )
    out.append("\n    ")
    if f["can_accept"]:
        out.append(
            f'<form method="post" action="{_e(u["state"])}" class="inline"><input '
            f'type="hidden" name="csrf_token" value="{_e(csrf)}"><input type="hidden" '
            f'name="message_id" value="{int(m.id)}"><button type="submit" name="action" '
            f'value="accept"><span class="action-label">{t["accept"]}</span></button></form>'
        )
    out.append("\n  </div>\n  ")
    return "".join(out)


def message_item(
    m: Any,
    f: Mapping[str, Any],
    rx: tuple[Any, ...],
    u: Mapping[str, str],
    t: Mapping[str, Markup],
    csrf: str,
    attachments: Callable[[Any, Any], Any] | None = None,
) -> Markup:
    """``_message.html``'s ``message_item(m, f, rx, u, t, csrf)``; ``attachments`` renders
    a message's files (``_attachments.html``'s macro, called only for messages with
    files)."""
    deleted = m.deleted_at is not None
    # Numbers and an ISO time need no escaping (digits, "-", ":", "T", ".", "+").
    seq, iso = int(m.seq), m.created_at.isoformat()
    classes = "message"
    if f["mine"]:
        classes += " mine"
    if f["accepted"]:
        classes += " accepted"
    if deleted:
        classes += " is-deleted"
    out = [
        f'<article id="m{seq}" class="{classes}" data-id="{int(m.id)}" data-seq="{seq}" '
        f'data-client-id="{_e(m.client_id)}" data-author="{int(m.author_id)}" '
        f'data-created="{iso}" aria-labelledby="m{seq}-author m{seq}-time">\n'
        f'  <header class="meta">\n    <strong class="author" id="m{seq}-author">'
        f'{_e(m.author.name)}</strong>\n    <a class="permalink" href="#m{seq}"><time '
        f'id="m{seq}-time" datetime="{iso}">{_e(f["when"])}</time></a>\n    '
    ]
    if m.edited_at and not deleted:
        out.append(f'<span class="edited muted">({t["edited"]})</span>')
    out.append("\n    ")
    if f["accepted"]:
        out.append(f'<span class="badge">{t["accepted_answer"]}</span>')
    out.append("\n  </header>\n  ")
    if m.reply_to and not deleted:
        out.append(_reply(m, f, t))
    out.append("\n  ")
    if deleted:
        out.append(f'\n  <p class="deleted muted"><em>{t["deleted"]}</em></p>\n  ')
    else:
        out.append(f'\n  <div class="body">{m.body_html}</div>\n  ')
        files = getattr(m, "attachments", None)
        if files and attachments is not None:
            out.append(str(attachments(files, t)))
        out.append('\n  <div class="reactions">')
        out.append(_reactions(rx, f["can_post"], t["reactions"]))
        out.append("\n  </div>\n  ")
    out.append("\n  ")
    if not deleted:
        out.append(_actions(m, f, u, t, csrf))
    out.append("\n</article>")
    return Markup("".join(out))
