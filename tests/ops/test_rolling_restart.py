"""A rolling restart (#23): two gunicorn web processes behind nginx with deploy/nginx.conf's
balancing, restarted one at a time as docs/OPERATIONS.md says (SIGTERM, start, wait for
``/readyz`` of that process, then the next), with the real Socket.IO JavaScript client
(benchmarks/loadgen.mjs, socket.io-client as the browser runs it) connected through nginx
the whole time. Messages are sent before, while each process is down (once its browsers
have reconnected to the other one and caught up) and after. Every socket is cut off at
least once and reconnects on its own through nginx, joins again with ``after_seq``;
afterwards every client's view is its thread in the database: 0 lost, 0 duplicated, every
send acknowledged. Nothing is timed."""

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
from tests.ops.test_nginx_sticky import sticky_nginx
from tests.servers import thread_rows

pytestmark = [pytest.mark.slow, pytest.mark.redis]

SIZES = (12, 8)  # two threads, 20 sockets
RATE, SECONDS = 10, 1.0  # 10 messages in each phase


def test_restarting_one_web_process_at_a_time_loses_and_doubles_nothing(
    app: Any, backend: str, org: Any, redis_url: str, tmp_path: Path
) -> None:
    require_processes(backend, nginx=True, node=True)
    from benchmarks.realtime import LoadGen, gen_config

    network = create_network(org.leader, "Rullerende omstart", "", visibility="open")
    threads = [open_thread(org.leader, network.id, f"Tråd {n}", body="Start")[0] for n in SIZES]
    people: list[tuple[str, int]] = []
    for thread, size in zip(threads, SIZES, strict=True):
        for _ in range(size):
            person = factories.make_person(org.unit_a1)
            join_network(person, network.id)
            people.append((create_token(person, "rolling"), thread.id))
    sender = factories.make_person(org.unit_a1)
    join_network(sender, network.id)
    db.session.commit()

    env = servers.production_env(str(app.config["DATABASE_URL"]), redis_url, tmp_path / "inst")
    ports = [free_port(), free_port()]
    proxy_port = free_port()
    web = [servers.gunicorn(p, env, tmp_path / "logs") for p in ports]
    proxy = sticky_nginx(proxy_port, ports, tmp_path / "nginx")
    base = f"http://127.0.0.1:{proxy_port}"
    gen = None
    try:
        for w, p in zip(web, ports, strict=True):
            w.start()
            w.wait_http(f"http://127.0.0.1:{p}/readyz", timeout=120)
        proxy.start()
        proxy.wait_http(f"{base}/readyz")
        data = {"people": people, "sender": create_token(sender, "rolling")}
        gen = LoadGen(gen_config("kollega", base, data, views=True), tmp_path, "rolling")
        joined = gen.call({"cmd": "connect"}, 300)
        assert joined["sockets"] == len(people), joined

        gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "members"}, 120)
        settled = gen.call({"cmd": "settle", "timeout": 60, "quiet": 10}, 120)
        assert settled["delivered"] == settled["expected"] > 0, settled

        gen.call({"cmd": "restart_window", "open": True}, 10)
        for w, p in zip(web, ports, strict=True):
            assert w.terminate(timeout=60) == 0, w.tail()  # SIGTERM: a graceful stop
            # Its browsers reconnect through nginx to the other process and catch up ...
            caught = gen.call({"cmd": "catchup", "at": time.time() * 1000, "timeout": 90}, 150)
            assert caught["all"], caught
            # ... and talk there while it is down.
            gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "members"}, 120)
            settled = gen.call({"cmd": "settle", "timeout": 60, "quiet": 10}, 120)
            assert settled["delivered"] == settled["expected"], settled
            w.start()
            w.wait_http(f"http://127.0.0.1:{p}/readyz", timeout=120)
        gen.call({"cmd": "restart_window", "open": False}, 10)

        gen.call({"cmd": "send", "rate": RATE, "seconds": SECONDS, "via": "members"}, 120)
        gen.call({"cmd": "settle", "timeout": 60, "quiet": 10}, 120)
        report = gen.call({"cmd": "report"}, 60)
    finally:
        if gen is not None:
            gen.close()
        proxy.terminate(timeout=10)
        for w in web:
            w.terminate(timeout=30)

    assert not gen.errors, gen.errors
    assert report["sent"] == report["acked"] == 4 * int(RATE * SECONDS), report
    assert report["send_failed"] == 0, report
    assert report["reconnected"] == len(people), report  # each process held some of them
    assert report["lost"] == 0, report
    assert report["duplicated"] == 0, report
    assert report["delivered"] == report["expected"], report
    rows = {t.id: thread_rows(t.id) for t in threads}
    sent_ids = [cid for r in rows.values() for _, _, cid in r if cid.startswith("lg-")]
    assert len(sent_ids) == len(set(sent_ids)) == report["sent"]
    for view in report["views"]:
        expected = rows[view["thread"]]
        assert view["seqs"] == [seq for seq, _, _ in expected], view["name"]
        assert view["client_ids"] == [cid for _, _, cid in expected], view["name"]
