"""gunicorn settings for one kollega web process: ``gunicorn -c gunicorn.conf.py wsgi:app``.

One worker per gunicorn: each process is one Socket.IO server, and Socket.IO's long-polling
needs every request of a connection to reach the same server, which gunicorn's own
balancing between workers does not do. Run several gunicorns on several ports behind nginx
with sticky sessions (deploy/nginx.conf) and Redis as the message queue.

The worker is ``gthread`` (Flask-SocketIO's ``threading`` mode with simple-websocket): a
WebSocket holds one thread for its lifetime, so ``threads`` bounds the sockets a process
serves at once (see the README for the measurement behind the choice).

``KOLLEGA_WORKER_CLASS=gevent`` (with ``KOLLEGA_ASYNC_MODE=gevent``) runs the gevent worker
instead, for the comparison in benchmarks/gevent_vs_threads.py; there ``KOLLEGA_THREADS``
bounds the connections (``worker_connections``) rather than threads.

Environment: ``KOLLEGA_BIND`` (default 127.0.0.1:8001), ``KOLLEGA_THREADS`` (1200),
``KOLLEGA_GRACEFUL_TIMEOUT`` (seconds, 30), ``KOLLEGA_LOG_FORMAT`` (``json`` for JSON lines).
"""

import os

bind = os.environ.get("KOLLEGA_BIND", "127.0.0.1:8001")
workers = 1
worker_class = os.environ.get("KOLLEGA_WORKER_CLASS", "gthread")
threads = int(os.environ.get("KOLLEGA_THREADS", "1200"))
worker_connections = threads * 2  # keep-alive connections beyond the busy threads
# A WebSocket or long-poll request is long by nature; the heartbeat to the arbiter runs
# in its own thread, so this only catches a worker that is truly stuck.
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
    (kollega.networks.presence; without this they age out after 45 s)."""
    import signal

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
