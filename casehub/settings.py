"""CaseHub settings: every environment-dependent value is read here, and only here.

Embedded defaults (nothing set) give a laptop demo: SQLite under ``var/``, an in-memory
channel layer and a Celery broker on the filesystem. Production sets ``DATABASE_URL``,
``REDIS_URL``, ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASEHUB_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Served over HTTPS unless told otherwise (the local demo says HTTPS=0).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_fsm",
    "channels",
    "core",
    "quality",
    "escalation",
    "compensation",
    "knowledge",
    "peak",
    "team",
    "casehub.demo",
]

MIDDLEWARE = [
    "core.logs.RequestIdMiddleware",
    "core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.static_files",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.RefuseNulCharacters",
    "core.middleware.DatabaseUnavailable",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.CSPMiddleware",
]

ROOT_URLCONF = "casehub.urls"
WSGI_APPLICATION = "casehub.wsgi.application"
ASGI_APPLICATION = "casehub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "casehub.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'casehub.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with a pool that checks a connection it hands out without a round
    # trip unless its socket has something to read (core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "core.postgresql"
    # ASGI runs each request's sync code on its own thread, so per-thread persistent
    # connections would be opened anew every time: share a pool instead.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # With a pool this checks each connection as it is handed out: one that PostgreSQL
    # dropped (a restart, a failover, a killed backend) is replaced instead of failing the
    # request that drew it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side binding lets psycopg prepare the statements a connection repeats, so
    # PostgreSQL parses and plans each hot query once per connection instead of on every
    # request; Django leaves preparing off unless ``prepare_threshold`` is set (here: from
    # a statement's second run). Behind PgBouncer in transaction mode before 1.21, set
    # DB_PREPARE_THRESHOLD=0.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": env_int("DB_POOL_SIZE", 20), "timeout": 10},
        "server_side_binding": env_bool("DB_SERVER_SIDE_BINDING", True),
        "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 2) or None,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several demo processes (web, worker, beat) write to one file: wait for locks,
    # take the write lock up front and let readers run beside the writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
# ServeStatic streams files asynchronously under ASGI (uvicorn) and still serves them
# under WSGI (gunicorn): collected files first, then the apps' own before collectstatic.
SERVESTATIC_USE_STATIC_ROOT = True
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = DEBUG

# Pages run no inline script and load nothing from elsewhere; sockets go to this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casehub@localhost")
# A mail server that hangs must not hold a worker (and a notice's row lock) for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)

# --- Redis: Celery broker and Channels layer; without it, embedded stand-ins ---


def redis_channel_layer(url: str) -> dict:
    """The Channels layer on Redis at ``url``, with timeouts and retries that fit it.

    No socket timeout. channels_redis waits for a socket's next message with a blocking pop
    of 5 s (``RedisChannelLayer.brpop_timeout``), which Redis itself ends: a read timeout at or
    below that drops every open socket when the pop comes back empty, as redis-py's own 5 s
    default does. And with any socket timeout redis-py sends through ``asyncio.wait_for``,
    which on Python 3.11 can swallow a cancellation that arrives as the send completes: the
    receive of a websocket consumer whose client left then polls Redis forever, and the
    server waits on it at shutdown. A dead peer is still found: a closed connection fails
    at once (and is retried below), a silent one by TCP keepalive.
    """
    from redis.asyncio.retry import Retry
    from redis.backoff import EqualJitterBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError

    host = {
        "address": url,
        "socket_timeout": None,
        "socket_keepalive": True,
        "socket_connect_timeout": 5,
        # A pooled connection that Redis closed (a restart, a failover) is noticed only
        # when used: reconnect and send the command again, for 3 to 6 s, instead of
        # failing the handshake or dropping the socket.
        "retry": Retry(
            EqualJitterBackoff(cap=1, base=0.1), retries=8, supported_errors=(RedisConnectionError,)
        ),
    }
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [host], "capacity": 1500, "expiry": 30},
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
CASEHUB_LIVE_RELAY_URL = ""
if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    # Shared by every web process: who has a case open (escalation.presence).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "casehub",
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # That layer lives in the web server's process: the demo's worker and beat, which rundemo
    # points at the server, post their live events to it (core.live_relay).
    CASEHUB_LIVE_RELAY_URL = os.environ.get("CASEHUB_LIVE_RELAY_URL", "")
    # Every folder of the filesystem broker lives under var/, never in the working directory.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # The filesystem transport ignores the host, but kombu warns when a URL names none.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {}

# --- API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "core.api.parsers.FormParser",
        "core.api.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.CaseHubAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    # Client addresses for throttling: the proxy's X-Forwarded-For only behind one.
    "NUM_PROXIES": 1 if env_bool("BEHIND_PROXY", False) else 0,
}
# Failed password attempts allowed per username and per client address (login page and
# token endpoint together) before 429; officers often share one office address.
CASEHUB_LOGIN_FAILURES_PER_USERNAME = os.environ.get(
    "CASEHUB_LOGIN_FAILURES_PER_USERNAME", "10/min"
)
CASEHUB_LOGIN_FAILURES_PER_ADDRESS = os.environ.get("CASEHUB_LOGIN_FAILURES_PER_ADDRESS", "50/min")
# API tokens expire this long after they were issued; asking again with the password
# issues a new one.
CASEHUB_TOKEN_TTL_HOURS = env_int("CASEHUB_TOKEN_TTL_HOURS", 24 * 30)
SPECTACULAR_SETTINGS = {
    "TITLE": "CaseHub API",
    "DESCRIPTION": "Escalation cases, task groups, compensation and knowledge (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "escalation.models.CaseState",
        "SlaClockStateEnum": ["running", "paused", "met", "warned", "breached"],
        "SurgeStateEnum": "peak.models.SurgeState",
        "ContactChannelEnum": "escalation.models.ContactChannel",
        "NoticeKindEnum": "peak.models.Notice.Kind",
        "CaseChannelEnum": "escalation.models.Case.Channel",
        "RequestKindEnum": "knowledge.models.KnowledgeRequest.Kind",
        "GrantStateEnum": "compensation.models.GrantState",
        "SensitiveTermCategoryEnum": "quality.models.SensitiveTerm.Category",
        "SensitiveTermLanguageEnum": "quality.models.SensitiveTerm.Language",
    },
}

# --- Product rules: escalation ---
CASEHUB_REOPEN_WINDOW_DAYS = env_int("CASEHUB_REOPEN_WINDOW_DAYS", 14)
CASEHUB_IDEMPOTENCY_TTL_HOURS = env_int("CASEHUB_IDEMPOTENCY_TTL_HOURS", 24)
CASEHUB_SLA_SWEEP_SECONDS = env_int("CASEHUB_SLA_SWEEP_SECONDS", 30)
CASEHUB_SLA_POLICY_CACHE_SECONDS = env_int("CASEHUB_SLA_POLICY_CACHE_SECONDS", 30)
CASEHUB_CATEGORY_CACHE_SECONDS = env_int("CASEHUB_CATEGORY_CACHE_SECONDS", 300)
CELERY_BEAT_SCHEDULE["sweep-sla"] = {
    "task": "escalation.sweep_sla",
    "schedule": CASEHUB_SLA_SWEEP_SECONDS,
    "options": {"expires": CASEHUB_SLA_SWEEP_SECONDS},
}
# Jobs kept while the broker was down (core.jobs) are sent once it answers again.
CELERY_BEAT_SCHEDULE["send-pending-jobs"] = {"task": "core.send_pending_jobs", "schedule": 30.0}
# A request that queues a job never waits long on a broker that is down: the job is kept
# in the database instead (core.jobs) and sent later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE["forget-idempotency-keys"] = {
    "task": "escalation.forget_idempotency_keys",
    "schedule": 3600,
}
# The chatbot platform's department: officers hand follow-ups back to it as tasks.
CASEHUB_BOT_DEPARTMENT = os.environ.get("CASEHUB_BOT_DEPARTMENT", "bot")
# Officers going into or out of strain are recorded and prompted; long-waiting unassigned
# cases are offered to officers and then to the shared pool (thresholds: admin).
CASEHUB_FLOOR_CHECK_SECONDS = env_int("CASEHUB_FLOOR_CHECK_SECONDS", 60)
CELERY_BEAT_SCHEDULE["refresh-strain"] = {
    "task": "escalation.refresh_strain",
    "schedule": CASEHUB_FLOOR_CHECK_SECONDS,
    "options": {"expires": CASEHUB_FLOOR_CHECK_SECONDS},
}
CELERY_BEAT_SCHEDULE["assign-waiting"] = {
    "task": "escalation.assign_waiting",
    "schedule": CASEHUB_FLOOR_CHECK_SECONDS,
    "options": {"expires": CASEHUB_FLOOR_CHECK_SECONDS},
}

# --- Product rules: compensation ---
CASEHUB_COMPENSATION_CURRENCIES = env_list("CASEHUB_COMPENSATION_CURRENCIES", "CNY")
CASEHUB_COMPENSATION_DEFAULT_CURRENCY = CASEHUB_COMPENSATION_CURRENCIES[0]
# Grants above this share of the requester's limit per grant go to 100 % quality review.
CASEHUB_COMPENSATION_REVIEW_SHARE = float(
    os.environ.get("CASEHUB_COMPENSATION_REVIEW_SHARE", "0.8")
)
CASEHUB_COMPENSATION_CUSTOMER_WINDOW_DAYS = env_int("CASEHUB_COMPENSATION_CUSTOMER_WINDOW_DAYS", 30)
# Approved grants not issued after this long are queued again by a beat task.
CASEHUB_COMPENSATION_ISSUE_GRACE_SECONDS = env_int("CASEHUB_COMPENSATION_ISSUE_GRACE_SECONDS", 120)
CELERY_BEAT_SCHEDULE["compensation-issue-overdue-grants"] = {
    "task": "compensation.issue_overdue_grants",
    "schedule": env_int("CASEHUB_COMPENSATION_ISSUE_SWEEP_SECONDS", 60),
}
# Modules whose functions a compensation kind may name as its issuer (dotted path).
CASEHUB_COMPENSATION_ISSUER_MODULES = env_list(
    "CASEHUB_COMPENSATION_ISSUER_MODULES", "compensation.issuers"
)

# --- Product rules: knowledge ---
# A published answer raised with urgency "high" is pinned (hot) for this many hours.
CASEHUB_KNOWLEDGE_HOT_HOURS = env_int("CASEHUB_KNOWLEDGE_HOT_HOURS", 72)
# How many suggested articles a case page shows.
CASEHUB_KNOWLEDGE_SUGGESTIONS = env_int("CASEHUB_KNOWLEDGE_SUGGESTIONS", 5)
CELERY_BEAT_SCHEDULE["knowledge-expire-hot-answers"] = {
    "task": "knowledge.expire_hot_answers",
    "schedule": 60.0,
}


# --- Product rules: peak season ---
# How often intake is checked for surges (thresholds are edited in the admin).
CASEHUB_SURGE_CHECK_SECONDS = env_int("CASEHUB_SURGE_CHECK_SECONDS", 60)
CELERY_BEAT_SCHEDULE["peak-check-surges"] = {
    "task": "peak.check_surges",
    "schedule": CASEHUB_SURGE_CHECK_SECONDS,
    "options": {"expires": CASEHUB_SURGE_CHECK_SECONDS},
}
# Customer notices (peak.notices): written from recent case events and sent by this job.
CASEHUB_NOTICE_SWEEP_SECONDS = env_int("CASEHUB_NOTICE_SWEEP_SECONDS", 5)
CASEHUB_NOTICE_LOOKBACK_MINUTES = env_int("CASEHUB_NOTICE_LOOKBACK_MINUTES", 60)
CASEHUB_NOTICE_BATCH = env_int("CASEHUB_NOTICE_BATCH", 500)
# A run sends for at most this long; what is left goes on the next run.
CASEHUB_NOTICE_SEND_SECONDS = env_int("CASEHUB_NOTICE_SEND_SECONDS", 20)
CASEHUB_NOTICE_MAX_ATTEMPTS = env_int("CASEHUB_NOTICE_MAX_ATTEMPTS", 5)
CASEHUB_NOTICE_RETRY_SECONDS = env_int("CASEHUB_NOTICE_RETRY_SECONDS", 30)
CASEHUB_GREEN_POINTS_PER_NOTICE = env_int("CASEHUB_GREEN_POINTS_PER_NOTICE", 1)
CASEHUB_NOTICE_MAIL_DOMAIN = os.environ.get("CASEHUB_NOTICE_MAIL_DOMAIN", "notices.casehub.local")
# One sender per channel (peak.senders): e-mail through Django's backend; SMS, app push,
# calls and letters are logged until a provider's sender is configured here.
CASEHUB_NOTICE_SENDERS = {
    "email": "peak.senders.EmailSender",
    "sms": "peak.senders.LoggingSender",
    "app": "peak.senders.LoggingSender",
    "phone": "peak.senders.LoggingSender",
    "paper": "peak.senders.LoggingSender",
}
CELERY_BEAT_SCHEDULE["peak-send-notices"] = {
    "task": "peak.send_notices",
    "schedule": CASEHUB_NOTICE_SWEEP_SECONDS,
    "options": {"expires": CASEHUB_NOTICE_SWEEP_SECONDS},
}

# --- Product rules: peak season, demand forecast ---
# How often each category's 14-day forecast is worked out again from intake (peak.forecast).
CASEHUB_FORECAST_REFRESH_SECONDS = env_int("CASEHUB_FORECAST_REFRESH_SECONDS", 3600)
CELERY_BEAT_SCHEDULE["peak-refresh-forecast"] = {
    "task": "peak.refresh_forecast",
    "schedule": CASEHUB_FORECAST_REFRESH_SECONDS,
    "options": {"expires": CASEHUB_FORECAST_REFRESH_SECONDS},
}
# The floor's hourly capacity on the war report: active officers times this many new cases.
CASEHUB_CASES_PER_OFFICER_HOUR = env_int("CASEHUB_CASES_PER_OFFICER_HOUR", 4)

# --- Product rules: badges and points (team) ---
# Badges are awarded at once after a resolution or praise commits; this job awards what that
# missed (a lost job, a bulk write), looking back this many hours.
CASEHUB_TEAM_CATCH_UP_SECONDS = env_int("CASEHUB_TEAM_CATCH_UP_SECONDS", 300)
CASEHUB_TEAM_CATCH_UP_HOURS = env_int("CASEHUB_TEAM_CATCH_UP_HOURS", 24)
CELERY_BEAT_SCHEDULE["team-catch-up"] = {
    "task": "team.catch_up",
    "schedule": CASEHUB_TEAM_CATCH_UP_SECONDS,
    "options": {"expires": CASEHUB_TEAM_CATCH_UP_SECONDS},
}

# Who may read /metrics (addresses or networks, comma-separated): Prometheus, not the world.
METRICS_ALLOWED = env_list("METRICS_ALLOWED", "127.0.0.1,::1")

# One line per record on stderr, with the request's id and never a secret (core.logs);
# LOG_FORMAT=json makes each line a JSON object for a log shipper.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "redact": {"()": "core.logs.RedactSecrets"},
    },
    "formatters": {
        "text": {
            "()": "core.logs.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "core.logs.json_formatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
