"""The bare servers the benchmarks measure kollega against, as gunicorn app factories:

    gunicorn -c gunicorn.conf.py 'benchmarks.bare:socketio_app()'
    KOLLEGA_BENCH_SQL=statements.json gunicorn -c gunicorn.conf.py 'benchmarks.bare:sql_page_app()'

``socketio_app``: Flask-SocketIO with nothing but rooms: ``join`` joins the room of the
payload's ``thread_id`` (one room when there is none), ``send`` broadcasts ``message:new``
to that room (``design_payload``: the design's fields, as kollega sends
them; with ``KOLLEGA_BENCH_BARE_PAYLOAD=echo`` what was sent plus id and seq). Its async
mode follows ``KOLLEGA_ASYNC_MODE`` (``threading`` or ``gevent``), like kollega's. With
``KOLLEGA_BENCH_BARE_QUEUE`` (a Redis URL) it uses that as its message queue, on a channel
of its own, so that several bare processes behind nginx broadcast to each other's sockets
as kollega's do.

``sql_page_app``: one Flask route, ``GET /page``, that runs the SQL statements recorded
from one request to kollega's page (a pickled list of ``(sql, parameters)``), in one
transaction on an engine with kollega's pool settings, fetches every row and answers
with the row counts: the same database work without templates, permissions, sessions,
translations or ORM objects. ``GET /page.html``: the same, answering with an HTML page of
every fetched row (one autoescaped Jinja template), i.e. the least a server-rendered page
does with its data.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import pickle
import threading
from typing import Any


def socketio_app() -> Any:
    from flask import Flask
    from flask_socketio import SocketIO, emit, join_room

    app = Flask("bare")
    queue = os.environ.get("KOLLEGA_BENCH_BARE_QUEUE") or None
    sio = SocketIO(
        app,
        async_mode=os.environ.get("KOLLEGA_ASYNC_MODE", "threading"),
        message_queue=queue,
        # Its own channel per run (chat_fanout sets one), so that runs side by side on one
        # Redis do not hear each other's broadcasts.
        channel=os.environ.get("KOLLEGA_BENCH_BARE_CHANNEL", "kollega-bench-bare"),
    )
    counter: dict[Any, int] = {}  # seq per room
    lock = threading.Lock()

    def room(data: Any) -> str:
        return f"room:{data.get('thread_id')}" if isinstance(data, dict) else "room:None"

    @sio.on("join")
    def join(data: Any) -> dict[str, Any]:
        join_room(room(data))
        return {"ok": True, "messages": []}

    @sio.on("send")
    def send(data: Any) -> dict[str, Any]:
        with lock:
            seq = counter[room(data)] = counter.get(room(data), 0) + 1
        emit("message:new", broadcast_payload(data, seq), to=room(data))
        return {"ok": True, "id": seq, "seq": seq}

    return app


def broadcast_payload(data: dict[str, Any], seq: int) -> dict[str, Any]:
    """What the bare server broadcasts for ``data``, the ``seq``-th message: the design's
    ``message:new`` (``design_payload``), or with ``KOLLEGA_BENCH_BARE_PAYLOAD=echo`` what
    was sent plus id and seq."""
    if os.environ.get("KOLLEGA_BENCH_BARE_PAYLOAD", "design") == "echo":
        return {**data, "id": seq, "seq": seq}
    return design_payload(data, seq)


def design_payload(data: dict[str, Any], seq: int) -> dict[str, Any]:
    """``message:new`` with the design's fields, as kollega sends it (plus ``network_id``):
    the same bytes on the wire, so that the comparison measures the servers and not the
    size of the message (every receiver's client parses it, on the same CPUs)."""
    body = str(data.get("body", ""))
    return {
        "id": seq,
        "seq": seq,
        "thread_id": data.get("thread_id"),
        "client_id": data.get("client_id"),
        "author": {"id": 1, "name": "Benk Person 0"},
        "body_html": f"<p>{html.escape(body)}</p>",
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "network_id": 1,
        "mentions": [],
        "attachments": [],
    }


def sql_page_app() -> Any:
    import sqlalchemy as sa
    from flask import Flask

    with open(os.environ["KOLLEGA_BENCH_SQL"], "rb") as fh:
        statements = pickle.load(fh)  # written by benchmarks/thread_page.py in this run
    engine = sa.create_engine(
        os.environ["KOLLEGA_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
        pool_size=10,
        max_overflow=20,
        pool_recycle=1800,
        pool_pre_ping=True,
    )
    app = Flask("bare-sql")

    @app.get("/page")
    def page() -> str:
        counts = []
        with engine.begin() as conn:
            for sql, params in statements:
                result = conn.exec_driver_sql(sql, params)
                counts.append(len(result.fetchall()) if result.returns_rows else result.rowcount)
        return " ".join(map(str, counts))

    # The same SQL and an HTML page of every row it fetched (one Jinja template,
    # autoescaped): what any server-rendered page must at least do with its data.
    html = app.jinja_env.from_string(
        "<!doctype html><html lang=en><title>bare</title><main>{% for rows in results %}"
        "<table>{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}"
        "</tr>{% endfor %}</table>{% endfor %}</main></html>"
    )

    @app.get("/page.html")
    def page_html() -> str:
        results = []
        with engine.begin() as conn:
            for sql, params in statements:
                result = conn.exec_driver_sql(sql, params)
                if result.returns_rows:
                    results.append(result.fetchall())
        return html.render(results=results)

    return app
