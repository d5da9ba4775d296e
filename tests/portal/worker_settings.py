"""Settings for the real Celery worker that test_celery_worker.py starts in a subprocess.

The test settings, with tasks going through the broker, mail recorded to a directory the test
reads (tests.portal.mail_backends.RecordingBackend) and retries a second apart. Every finished
task run is recorded too, so the test knows when duplicates have been processed.
"""

import json
import os

from celery.signals import task_postrun

from portal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "tests.portal.mail_backends.RecordingBackend"
NOTIFICATION_RETRY_BACKOFF_SECONDS = 1
PROPOSAL_PDF_RETRY_BACKOFF_SECONDS = 1
# Tasks the worker itself queues (receipts after a PDF) stay on the test's own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("PORTAL_TEST_QUEUE", "celery")
# Files the worker writes (proposal PDFs) land where the test process reads them.
MEDIA_ROOT = os.environ.get("PORTAL_TEST_MEDIA_ROOT", MEDIA_ROOT)  # noqa: F405


@task_postrun.connect(weak=False)
def _record_task_run(sender=None, task_id=None, args=None, state=None, retval=None, **kwargs):
    line = {"task": sender.name, "args": list(args or []), "state": state, "result": str(retval)}
    with open(os.path.join(os.environ["PORTAL_TEST_MAIL_DIR"], "runs.jsonl"), "a") as out:
        out.write(json.dumps(line) + "\n")
