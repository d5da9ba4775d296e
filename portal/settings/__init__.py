"""Settings for the Compute Access Portal, read from the environment.

With nothing set, the portal runs embedded: SQLite, tasks executed in process, mail printed to the
console (and kept in the outbox), media on local disk. `DATABASE_URL` switches to PostgreSQL,
`REDIS_URL` switches Celery's broker and Django's cache to Redis. `portal.settings.production`
tightens the security settings on top of this module.
"""

import os
from pathlib import Path

import environ
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py (or the file ENV_FILE names) is read if present; variables already
# in the environment win. Never committed; see .env.example.
environ.Env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"), overwrite=False)

SECRET_KEY = (
    env("SECRET_KEY", default="") or "dev-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",  # django.contrib.admin, asking model permissions
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "rules.apps.AutodiscoverRulesConfig",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "portal",
    "allocations",
    "applications",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.UserTimezoneMiddleware",
    "portal.middleware.StaffMFARequiredMiddleware",
    "portal.middleware.PrivatePagesNotStoredMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from the portal only.
# No inline script unless it carries the request's nonce (`{{ request.csp_nonce }}`), no inline
# style at all: not even a style="..." attribute (use a class in static/css/portal.css). Images may
# be data: URLs (Bootstrap's icons in CSS, the TOTP QR code).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# An empty DATABASE_URL counts as unset (as in a copied .env.example).
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Seconds a connection is kept for the next requests of the same worker (0: one per request;
# production defaults to 60), checked before reuse so a connection the server dropped is replaced.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests of the embedded server wait for the write lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en"
# Times are stored in UTC; pages show them in the viewer's zone (User.timezone), Brussels
# by default.
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
# One way to write dates and times everywhere (10:00, never 10:00:00): portal/formats/en.
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Every upload (CVs, attachments, proposal PDFs, letters) is private: no MEDIA_URL is served, files
# are streamed by permission-checked views only.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024

# --- Redis: Celery broker and cache -------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis while it answers, this process's memory while it does not (portal/cache.py).
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # Embedded default: no worker needed, tasks run in the web process when they are enqueued.
    CELERY_TASK_ALWAYS_EAGER = True
# Sessions (and the messages kept in them) live in the database, never in the cache: a Redis
# outage must not log anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens after a commit, inside a request: with the broker down, give up quickly (the
# outbox row stays queued and the sweeper schedules it later) instead of hanging the page.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic jobs, run by the one beat process. Each app adds its entries here (name -> task and
# either "every": seconds or "crontab": {"minute": ..., "hour": ..., ...} in UTC);
# `manage.py sync_periodic_tasks` writes them as django-celery-beat rows (admins may disable them).
PORTAL_PERIODIC_TASKS = {
    "notifications: retry the outbox": {
        "task": "portal.tasks.sweep_notification_outbox",
        "every": 60,
    },
    "proposals: close passed cut-offs (drafts roll over)": {
        "task": "applications.tasks.close_passed_cutoffs",
        "every": 60,
    },
    "proposals: send to the panel once the reply deadline has passed": {
        "task": "applications.tasks.close_passed_replies",
        "every": 300,
    },
    "proposals: retry PDFs whose next attempt is due": {
        "task": "applications.tasks.sweep_proposal_pdfs",
        "every": 60,
    },
    "evaluation: technical assessment reminders and overdue marks": {
        "task": "reviews.tasks.sweep_technical_assessments",
        "every": 300,
    },
    "evaluation: review reminders (7 and 2 days before, then overdue)": {
        "task": "reviews.tasks.send_review_reminders",
        "every": 900,
    },
}
# Proposals: attachment size limit, and retries of the submitted proposal's PDF (backoff doubles;
# the sweep above starts each retry when due; after the last attempt a site administrator
# re-queues it). A PDF rendering for longer than the lease lost its worker and is tried again.
PROPOSAL_ATTACHMENT_MAX_BYTES = env.int("PROPOSAL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
PROPOSAL_PDF_MAX_ATTEMPTS = env.int("PROPOSAL_PDF_MAX_ATTEMPTS", default=5)
PROPOSAL_PDF_RETRY_BACKOFF_SECONDS = env.int("PROPOSAL_PDF_RETRY_BACKOFF_SECONDS", default=30)
PROPOSAL_PDF_RENDER_LEASE_SECONDS = env.int("PROPOSAL_PDF_RENDER_LEASE_SECONDS", default=300)
# A PDF whose task never ran (the broker lost it) is queued again by the sweep after this long.
PROPOSAL_PDF_REQUEUE_AFTER_SECONDS = env.int("PROPOSAL_PDF_REQUEUE_AFTER_SECONDS", default=120)

# --- Email ---------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Compute Access Portal <noreply@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# An SMTP server that hangs must not hold a worker (or the outbox lease below) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Outbox delivery: attempts before a notification is given up (site administrators are alerted
# and can re-queue it); the delay before retry n is BACKOFF * 2**(n-1) seconds, capped at an hour.
# The sweeper (every minute) starts each retry when it is due.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=30)
# A row handed to the broker whose task never ran (the message was lost) is scheduled again by the
# sweeper after this many seconds (a hand-over that failed is due at once); a row "sending" for
# longer than the lease lost its worker and is sent again. The lease outlasts any send
# (EMAIL_TIMEOUT bounds each step of the SMTP conversation).
NOTIFICATION_REQUEUE_AFTER_SECONDS = env.int("NOTIFICATION_REQUEUE_AFTER_SECONDS", default=120)
NOTIFICATION_SENDING_LEASE_SECONDS = env.int("NOTIFICATION_SENDING_LEASE_SECONDS", default=300)

# --- Accounts (django-allauth) ------------------------------------------------------------------
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Only wrong passwords count against "login_failed" (portal/login_limits.py); "login" bounds every
# attempt from one address, correct or not.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# The portal's name in allauth's mails (their `current_site.name`; django.contrib.sites is not
# installed) and in authenticator apps. Mails come from the portal's name, so no subject prefix.
PORTAL_SITE_NAME = "Compute Access Portal"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Links in allauth's mails use SITE_URL (portal.adapters); this covers URLs allauth builds itself.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# Mail the account's owner when its password, email addresses or two-factor set-up change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# A login (or a password confirmation) this recent is not asked for again before a sensitive step,
# e.g. the TOTP set-up staff are sent to right after logging in; long enough to install an app.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 600
# Confirm with the password or the authenticator app; a code mailed to the inbox that can also reset
# the password would prove nothing more.
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "mfa")
ACCOUNT_FORMS = {
    "login": "portal.account_forms.LoginForm",
    "change_password": "portal.account_forms.ChangePasswordForm",
    "set_password": "portal.account_forms.SetPasswordForm",
    "reset_password_from_key": "portal.account_forms.ResetPasswordKeyForm",
}
# Behind a reverse proxy every request comes from the proxy's address: rate limits and API
# throttles key on the client's address instead, read from X-Forwarded-For (the rightmost
# TRUSTED_PROXY_COUNT-th entry, the one our outermost proxy appended) or from a header the proxy
# sets (TRUSTED_CLIENT_IP_HEADER, e.g. X-Real-IP). 0: no proxy, the socket's address is used.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("TRUSTED_CLIENT_IP_HEADER", default="") or None
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = PORTAL_SITE_NAME
# A code typed as its 30-second step ends still counts during the next step (RFC 6238, section
# 5.2: at most one step of delay); an older one is refused.
MFA_TOTP_TOLERANCE = 1
# Staff (programme officers, reviewers, centre staff, admins) must enable TOTP before they reach
# staff pages. On by default and in production; the demo turns it off so a newcomer can look around.
PORTAL_STAFF_MFA_REQUIRED = env.bool("PORTAL_STAFF_MFA_REQUIRED", default=True)
# An invitation to join an organisation can be accepted for this many days after it was (last)
# sent; the owner re-sends it after that.
PORTAL_INVITATION_VALID_DAYS = env.int("PORTAL_INVITATION_VALID_DAYS", default=14)
# Time to access is counted in working days of the programme's seat (the EuroHPC JU sits in
# Luxembourg): weekends, the seat's public holidays (the `holidays` library's ISO country code and
# optional subdivision) and the closure days officers record are not working days. Days begin and
# end in the programme's time zone.
PORTAL_PROGRAMME_TIME_ZONE = env("PORTAL_PROGRAMME_TIME_ZONE", default="Europe/Luxembourg")
PORTAL_HOLIDAY_COUNTRY = env("PORTAL_HOLIDAY_COUNTRY", default="LU")
PORTAL_HOLIDAY_SUBDIVISION = env("PORTAL_HOLIDAY_SUBDIVISION", default="")

# --- API -----------------------------------------------------------------------------------------
# Largest JSON body the API reads (a 413 beyond); every field has its own, smaller limit.
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=2 * 1024 * 1024)
REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with "WWW-Authenticate: Token" (not a bare 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "portal.api_renderers.PortalBrowsableAPIRenderer",
    ],
    # JSON bounded in size and nesting: hostile bodies are a 400 or 413, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "portal.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's throttles keyed on the client address that login limits use (portal/client_address.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.client_address.AnonRateThrottle",
        "portal.client_address.UserRateThrottle",
    ],
    "NUM_PROXIES": ALLAUTH_TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Compute Access Portal API",
    "DESCRIPTION": "Calls, proposals and resource requests for AI Factory access.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The docs page works offline: no call to Swagger's online spec validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets whose field name ("status") other components use too.
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "applications.models.proposals.ProposalStatus",
        "AssessmentStatusEnum": "reviews.models.assessments.TechnicalAssessment.Status",
        "AssessmentOutcomeEnum": "reviews.models.assessments.TechnicalAssessment.Outcome",
        "EligibilityOutcomeEnum": "reviews.models.eligibility.EligibilityCheck.Outcome",
        "ReplyStatusEnum": "applications.models.replies.ProposalReply.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "applications.api.schema.require_version_in_edits",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; only its warnings are worth reading.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# In development (DEBUG) static files are served from the source folders without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
