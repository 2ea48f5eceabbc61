"""gunicorn settings for one kollega web process: ``gunicorn -c gunicorn.conf.py wsgi:app``.

One worker per gunicorn: each process is one Socket.IO server, and Socket.IO's long-polling
needs every request of a connection to reach the same server, which gunicorn's own
balancing between workers does not do. Run several gunicorns on several ports behind nginx
with sticky sessions (deploy/nginx.conf) and Redis as the message queue.

The worker is ``gevent`` (Flask-SocketIO's ``gevent`` mode, chosen by kollega.create_app
because the worker has monkey-patched the process; WebSockets through simple-websocket, so
the plain ``-k gevent`` worker is enough, no gevent-websocket worker class). Why gevent: a
measurement with the real Socket.IO JavaScript client (issue 19), 2,000 sockets in one
thread at 5 messages/s on one 2-core machine, one process, PostgreSQL and Redis: the
``gthread`` worker delivered 27-63 % (217-1,908 sockets dropped by ping timeout; it holds
four threads per WebSocket), the gevent worker 100 %, 10,078 deliveries/s, p99 348 ms.
benchmarks/RESULTS.md has the re-measurement with the real-client load generator; the
README and docs/OPERATIONS.md ("Why gevent") the whole story. A gevent worker holds at
most ``worker_connections`` connections at once: twice ``KOLLEGA_THREADS``, 2,400 by default.

psycopg 3 and redis-py are cooperative under the patch (kollega.cooperative_psycopg;
tests/ops/test_server_model.py shows a request waiting in PostgreSQL or Redis does not stop
the others). ``kollega scheduler`` is not a gunicorn process and never imports gevent.

``KOLLEGA_WORKER_CLASS=gthread`` (with ``KOLLEGA_ASYNC_MODE=threading``, which "auto"
gives anyway) runs the thread worker instead, for measuring against it; there
``KOLLEGA_THREADS`` is the number of threads, one per open WebSocket.

Environment: ``KOLLEGA_BIND`` (default 127.0.0.1:8001), ``KOLLEGA_THREADS`` (1200),
``KOLLEGA_GRACEFUL_TIMEOUT`` (seconds, 30), ``KOLLEGA_LOG_FORMAT`` (``json`` for JSON lines).
"""

import os

bind = os.environ.get("KOLLEGA_BIND", "127.0.0.1:8001")
workers = 1
worker_class = os.environ.get("KOLLEGA_WORKER_CLASS", "gevent")
threads = int(os.environ.get("KOLLEGA_THREADS", "1200"))
# gevent: the open connections one worker holds (sockets, long-polls, keep-alives; the
# 2,000 sockets of Drammen's peak fit in the default). gthread: keep-alive connections
# beyond the busy threads.
worker_connections = threads * 2
# A WebSocket or long-poll request is long by nature; the heartbeat to the arbiter runs
# in its own thread (gthread) or greenlet (gevent: a greenlet that never yields, such as a
# long SQLite query, delays it), so this only catches a worker that is truly stuck.
timeout = 120
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
graceful_timeout = int(os.environ.get("KOLLEGA_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Behind nginx on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("KOLLEGA_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
proc_name = "kollega-web"
# gunicorn 25+ opens a control socket at one path per user; several web processes on one
# host would share it, so it stays off.
control_socket_disable = True

if os.environ.get("KOLLEGA_LOG_FORMAT", "").lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kollega.ops.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """On SIGTERM (a graceful stop) take this process's sockets out of the shared presence
    in Redis at once, before the worker drains: other processes list them no longer
    (kollega.networks.presence; without this they age out after 45 s).

    And ``gc.freeze()``: the app is loaded (gunicorn calls this hook after loading it), so
    the ~270,000 objects of its start-up (modules, templates, mappers, compiled
    statements) move to the permanent generation, which the collector's full collections
    no longer walk: they ran now and then inside a request (benchmarks/thread_page.py)."""
    import gc
    import signal

    gc.freeze()

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(sig, frame):  # noqa: ANN001, ANN202
        from kollega.networks.presence import forget_own_presence

        if worker_class == "gevent":
            import gevent  # no blocking calls in a signal handler under gevent: a greenlet

            gevent.spawn(forget_own_presence)
        else:
            forget_own_presence()
        if callable(previous):
            previous(sig, frame)

    signal.signal(signal.SIGTERM, on_term)
