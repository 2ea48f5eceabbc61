"""Configuration classes for kollega.

Every setting can be overridden by an environment variable named ``KOLLEGA_<SETTING>``
(for example ``KOLLEGA_DATABASE_URL``). The secret key is never in code: when none is
configured, one is generated once and kept in the instance folder.
"""

from __future__ import annotations

import os


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    # None means "SQLite file in the instance folder"; see kollega.create_app.
    DATABASE_URL: str | None = None
    SECRET_KEY: str | None = None
    REDIS_URL: str | None = None
    ALLOWED_ORIGINS: str | None = None  # comma-separated; None = same origin only
    INSTANCE_PATH: str | None = None
    # Flask-SocketIO's async mode. "auto" follows the server model: "gevent" in a process
    # gevent has monkey-patched (gunicorn's gevent worker: production and `kollega run`),
    # "threading" everywhere else (the gthread worker, `kollega scheduler`, the commands,
    # the tests' in-process servers). See kollega.create_app.
    ASYNC_MODE = "auto"
    # Redis as Socket.IO message queue: needed as soon as there is more than one process.
    SOCKETIO_MESSAGE_QUEUE = False
    # The Redis pub/sub channel of that queue: Redis channels ignore the database number,
    # so two kollega installations (or test runs) on one Redis need different channels.
    SOCKETIO_CHANNEL = "flask-socketio"
    SCHEDULER_ENABLED = True
    # Jobs run on an interval instead of their cron fields, "job.id=seconds,..." (empty:
    # none). For tests and trials, e.g. "kollega.cycle.dispatch_due=1": a test of the
    # running scheduler then waits a second for the every-minute job, not a minute.
    SCHEDULER_EVERY_SECONDS = ""
    # "json": one JSON object per log line (kollega.ops.logs); "text": the usual lines.
    LOG_FORMAT = "text"
    RATELIMIT_ENABLED = True
    # Abuse limits (kollega.limits), in the `limits` notation; counted per IP address,
    # account or person in the limiter's storage (Redis when REDIS_URL is set).
    RATELIMIT_KEY_PREFIX = "kollega"  # deployments sharing one Redis keep apart
    LOGIN_RATE_LIMIT = "10 per minute"  # per IP address
    LOGIN_ACCOUNT_RATE_LIMIT = "5 per minute;20 per hour"  # per account, second factor too
    API_RATE_LIMIT = "300 per minute"  # per person
    MESSAGE_RATE_LIMIT = "10 per 10 seconds;120 per hour"  # per person, API and sockets
    SOCKET_EVENT_RATE_LIMIT = "60 per 10 seconds"  # per person, every socket event
    # Largest Socket.IO packet (bytes): a 10,000-character message in any script fits.
    SOCKET_MAX_PAYLOAD = 64 * 1024
    # Browser sessions (seconds): 30 minutes idle, as on shared PCs in schools and care
    # homes; at most one working day in all. Bearer tokens are not sessions.
    SESSION_IDLE_TIMEOUT = 30 * 60
    SESSION_ABSOLUTE_TIMEOUT = 12 * 60 * 60
    # How often each process closes its sockets whose session has run out (seconds).
    SOCKET_SWEEP_SECONDS = 60
    # Roles that must sign in with a second factor (TOTP), comma-separated, e.g. "hr,admin".
    TOTP_REQUIRED_ROLES = ""
    # Single sign-on with OpenID Connect (kollega.auth.oidc): off unless issuer and client id
    # are set. OIDC_NAME labels the login button; OIDC_EMPLOYEE_NUMBER_CLAIM names the claim
    # matched against the employee number; OIDC_TRUSTED_MFA lets the provider's sign-in
    # count as the second factor for TOTP_REQUIRED_ROLES.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_NAME = ""
    OIDC_SCOPE = "openid email profile"
    OIDC_EMPLOYEE_NUMBER_CLAIM = ""
    OIDC_TRUSTED_MFA = False
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    PASSWORD_MIN_LENGTH = 12
    IMPORT_PREVIEW_ROWS = 20
    # Files and images in the chat (kollega.uploads): the largest file in bytes, the most
    # pixels an image may decode to (decompression bombs), the allowed types (detected
    # from the bytes; comma-separated, empty: every type kollega.uploads.detect knows),
    # and where the bytes are kept: "local" (UPLOAD_FOLDER, default <instance>/uploads)
    # or "package.module:factory" (docs/OPERATIONS.md, "Uploaded files").
    UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    UPLOAD_MAX_PIXELS = 40_000_000
    UPLOAD_ALLOWED_TYPES = ""
    UPLOAD_STORAGE = "local"
    UPLOAD_FOLDER = ""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SCHEDULER_ENABLED = False
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SOCKETIO_MESSAGE_QUEUE = True
    TOTP_REQUIRED_ROLES = "hr,admin"
    # Web processes never schedule: exactly one `kollega scheduler` process does.
    SCHEDULER_ENABLED = False


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}

_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def from_environment(base: type[Config] | None = None) -> dict[str, object]:
    """The settings for the environment: the class chosen by ``KOLLEGA_ENV``, then ``KOLLEGA_*`` overrides."""
    cls = base or CONFIGS.get(os.environ.get("KOLLEGA_ENV", "development"), DevelopmentConfig)
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    for key, default in list(settings.items()):
        raw = os.environ.get(f"KOLLEGA_{key}")
        if raw is None:
            continue
        if isinstance(default, bool):
            settings[key] = _BOOL.get(raw.strip().lower(), default)
        elif isinstance(default, int):
            settings[key] = int(raw)
        else:
            settings[key] = raw
    return settings
