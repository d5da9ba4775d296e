"""Settings for the real Celery worker that test_celery_worker.py starts in a subprocess.

The test settings, with tasks going through the broker, mail recorded to a directory the test
reads (tests.portal.mail_backends.RecordingBackend) and retries a second apart. Every finished
task run is recorded too, so the test knows when duplicates have been processed.
"""

import json
import os

from celery.signals import task_postrun, task_prerun

from portal.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "tests.portal.mail_backends.RecordingBackend"
NOTIFICATION_RETRY_BACKOFF_SECONDS = 1
PROPOSAL_PDF_RETRY_BACKOFF_SECONDS = 1
# Fault tests shorten the lease after which a claimed row counts as its worker's loss.
NOTIFICATION_SENDING_LEASE_SECONDS = int(os.environ.get("PORTAL_TEST_LEASE_SECONDS", "300"))
PROPOSAL_PDF_RENDER_LEASE_SECONDS = NOTIFICATION_SENDING_LEASE_SECONDS
# Tasks the worker itself queues (receipts after a PDF) stay on the test's own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("PORTAL_TEST_QUEUE", "celery")
# Files the worker writes (proposal PDFs) land where the test process reads them.
MEDIA_ROOT = os.environ.get("PORTAL_TEST_MEDIA_ROOT", MEDIA_ROOT)  # noqa: F405


@task_postrun.connect(weak=False)
def _record_task_run(sender=None, task_id=None, args=None, state=None, retval=None, **kwargs):
    line = {"task": sender.name, "args": list(args or []), "state": state, "result": str(retval)}
    with open(os.path.join(os.environ["PORTAL_TEST_MAIL_DIR"], "runs.jsonl"), "a") as out:
        out.write(json.dumps(line) + "\n")


def _failing_pdf_on_request():
    """`fail_pdf_next` in the mail directory: that many renders fail (a broken font cache, say)."""
    import applications.pdf

    render = applications.pdf.proposal_pdf_bytes

    def proposal_pdf_bytes(*, proposal):
        path = os.path.join(os.environ["PORTAL_TEST_MAIL_DIR"], "fail_pdf_next")
        remaining = 0
        if os.path.exists(path):
            with open(path) as counter:
                remaining = int(counter.read() or 0)
        if remaining > 0:
            with open(path, "w") as out:
                out.write(str(remaining - 1))
            raise OSError("Font cache is corrupt (simulated)")
        return render(proposal=proposal)

    applications.pdf.proposal_pdf_bytes = proposal_pdf_bytes


@task_prerun.connect(weak=False)
def _install_faults(**kwargs):
    import applications.pdf

    if not hasattr(applications.pdf, "_portal_test_faults"):
        _failing_pdf_on_request()
        applications.pdf._portal_test_faults = True
