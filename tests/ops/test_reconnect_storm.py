"""A small reconnect storm (issue 19, scenario c) with the real Socket.IO JavaScript client:
50 sockets (socket.io-client in one Node process, benchmarks/loadgen.mjs) on a real
gunicorn web process in production mode (gunicorn.conf.py, its default server model) on
PostgreSQL and Redis. Messages are sent before the restart, while the process is down
(through a second web process on the same database and Redis) and after it; the process
is stopped with SIGTERM and started again; every client reconnects on its own and joins
again with ``after_seq`` = its last seq. Then every client's view is its thread in the
database, each message once: 0 lost, 0 duplicated. Nothing here is timed (speed lives in
benchmarks/realtime.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from kollega.auth.services import create_token
from kollega.extensions import db
from kollega.networks.members import join_network
from kollega.networks.networks import create_network
from kollega.networks.threads import open_thread
from tests import factories, servers
from tests.conftest import free_port, require_processes
from tests.servers import thread_rows

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SOCKETS = 50
SIZES = (30, 20)  # two threads, so that a rejoin must find its own thread's messages
RATE, SECONDS = 10, 1.5  # 15 messages in each phase


def test_fifty_clients_lose_nothing_and_double_nothing_over_a_restart(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    require_processes(backend, node=True)
    from benchmarks.realtime import LoadGen, gen_config

    network = create_network(org.leader, "Omstart", "", visibility="open")
    threads = [open_thread(org.leader, network.id, f"Tråd {n}", body="Start")[0] for n in SIZES]
    people: list[tuple[str, int]] = []
    for thread, size in zip(threads, SIZES, strict=True):
        for _ in range(size):
            person = factories.make_person(org.unit_a1)
            join_network(person, network.id)
            people.append((create_token(person, "storm"), thread.id))
    sender = factories.make_person(org.unit_a1)
    join_network(sender, network.id)
    data = {"people": people, "sender": create_token(sender, "storm")}
    db.session.commit()
    assert len(people) == SOCKETS

    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    port, alt_port = free_port(), free_port()
    web = servers.gunicorn(port, env, tmp_path / "logs")
    alt = servers.gunicorn(alt_port, env, tmp_path / "logs")
    gen = None
    try:
        for p, n in ((web, port), (alt, alt_port)):
            p.start()
            p.wait_http(f"http://127.0.0.1:{n}/healthz", ok=(200, 503), timeout=120)
        config = gen_config(
            "kollega",
            f"http://127.0.0.1:{port}",
            data,
            sender_url=f"http://127.0.0.1:{alt_port}",
            views=True,
        )
        gen = LoadGen(config, tmp_path, "storm")
        joined = gen.call({"cmd": "connect"}, 300)
        assert joined["sockets"] == SOCKETS and joined["senders"] == 1, joined

        # Before: members send in their own threads, through the process to be restarted.
        gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "members"}, 120)
        settled = gen.call({"cmd": "settle", "timeout": 60, "quiet": 10}, 120)
        assert settled["delivered"] == settled["expected"] > 0, settled

        gen.call({"cmd": "restart_window", "open": True}, 10)
        assert web.terminate(timeout=60) == 0, web.tail()  # SIGTERM: a graceful stop
        # During: the process is down; the sender posts to both threads through the other.
        gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "senders"}, 120)
        web.start()
        web.wait_http(f"http://127.0.0.1:{port}/healthz", ok=(200, 503), timeout=120)
        caught = gen.call({"cmd": "catchup", "at": time.time() * 1000, "timeout": 180}, 240)
        assert caught["all"], caught
        gen.call({"cmd": "restart_window", "open": False}, 10)

        # After: through the restarted process again.
        gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "members"}, 120)
        gen.call({"cmd": "settle", "timeout": 60, "quiet": 10}, 120)
        report = gen.call({"cmd": "report"}, 60)
    finally:
        if gen is not None:
            gen.close()
        web.terminate(timeout=30)
        alt.terminate(timeout=30)

    assert not gen.errors, gen.errors
    assert report["sent"] == report["acked"] == 3 * int(RATE * SECONDS), report
    assert report["send_failed"] == 0, report
    assert report["reconnected"] == SOCKETS, report  # the restart cut every client off
    assert report["lost"] == 0, report
    assert report["duplicated"] == 0, report
    assert report["delivered"] == report["expected"], report  # every live send, once
    rows = {t.id: thread_rows(t.id) for t in threads}
    # Every send in the database once (the generator's client ids "lg-...", none stored
    # twice; the other rows are the threads' opening messages) ...
    sent_ids = [cid for r in rows.values() for _, _, cid in r if cid.startswith("lg-")]
    assert all(len(r) == 1 + sum(cid.startswith("lg-") for _, _, cid in r) for r in rows.values())
    assert len(sent_ids) == len(set(sent_ids)) == report["sent"]
    # ... and every client's view is its thread in the database, seq by seq.
    for view in report["views"]:
        expected = rows[view["thread"]]
        assert view["seqs"] == [seq for seq, _, _ in expected], view["name"]
        assert view["client_ids"] == [cid for _, _, cid in expected], view["name"]
