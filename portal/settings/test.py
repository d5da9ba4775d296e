"""Settings for the test suite: the base settings, with fast hashing and mail kept in memory.

DATABASE_URL and REDIS_URL are honoured, so CI runs the same tests on PostgreSQL and Redis. Tasks
run in process unless a test starts a real worker (tests/portal/test_celery_worker.py).
"""

import os
import tempfile

from . import *  # noqa: F403
from . import CACHES, REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = REDIS_URL or "memory://"
DEBUG = False
PORTAL_STAFF_MFA_REQUIRED = True
ACCOUNT_RATE_LIMITS = False  # rate limits have their own test that switches them back on

# xdist workers share one Redis: keep their cache keys apart.
if REDIS_URL:
    CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")

# Serve static files from the source folders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
