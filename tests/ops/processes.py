"""Production processes for the multi-process test and the benchmarks: a gunicorn web
process (gunicorn.conf.py), ``kollega scheduler`` and nginx with a generated configuration
on free ports, everything (pid, logs, temp files) under one folder."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"


def production_env(database_url: str, redis_url: str, instance: Path) -> dict[str, str]:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOLLEGA_")},
        "KOLLEGA_ENV": "production",
        "KOLLEGA_DATABASE_URL": database_url,
        "KOLLEGA_REDIS_URL": redis_url,
        "KOLLEGA_INSTANCE_PATH": str(instance),
        "KOLLEGA_SECRET_KEY": "test-secret-key-not-for-production",
        "KOLLEGA_SESSION_COOKIE_SECURE": "0",
        "KOLLEGA_REMEMBER_COOKIE_SECURE": "0",
        "KOLLEGA_RATELIMIT_ENABLED": "0",
        "KOLLEGA_LOG_FORMAT": "json",
    }


class Process:
    """A child process in its own session, its output in ``log``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole process group: no shutdown at all."""
        if self.alive():
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def terminate(self, timeout: float = 40.0) -> int | None:
        """SIGTERM (a graceful stop); SIGKILL after ``timeout``. Returns the exit code."""
        if self.proc is None:
            return None
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def wait_http(self, url: str, timeout: float = 60.0, ok: tuple[int, ...] = (200,)) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(url, timeout=2).status_code in ok:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {url}: {self.tail()}")


def gunicorn(port: int, env: dict[str, str], folder: Path, threads: int = 200) -> Process:
    return Process(
        f"web-{port}",
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        {
            **env,
            "KOLLEGA_BIND": f"127.0.0.1:{port}",
            "KOLLEGA_THREADS": str(threads),
            "KOLLEGA_GRACEFUL_TIMEOUT": "10",
        },
        folder,
    )


def scheduler(env: dict[str, str], folder: Path) -> Process:
    return Process("scheduler", [str(BIN / "kollega"), "scheduler"], env, folder)


def nginx_config(port: int, upstreams: list[int], folder: Path, balance: str) -> Path:
    """deploy/nginx.conf's essentials, on ``port`` without TLS, everything in ``folder``."""
    servers = "\n".join(
        f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {folder}/nginx-access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ""      close;
    }}
    upstream kollega {{
        {balance};
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kollega;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 2s;
            proxy_read_timeout 3600s;
            proxy_buffering off;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""
    )
    return conf


def nginx(port: int, upstreams: list[int], folder: Path, balance: str = "ip_hash") -> Process:
    folder.mkdir(parents=True, exist_ok=True)
    conf = nginx_config(port, upstreams, folder, balance)
    return Process(
        "nginx",
        [NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log")],
        dict(os.environ),
        folder,
    )
