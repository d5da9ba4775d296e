"""gunicorn settings of the portal's web process (`gunicorn -c gunicorn.conf.py`).

Environment: WEB_CONCURRENCY (workers, default 3), GUNICORN_BIND (default 0.0.0.0:8000),
GUNICORN_TIMEOUT (seconds, default 30), GUNICORN_GC_THRESHOLDS (default "50000,20,100").

Garbage collection: the application is loaded once in the master (preload), collected and frozen
right before each fork, so the tens of thousands of objects loaded at start-up (Django, the URL
conf, templates, the time-zone list) are never walked again by a worker's full collections, which
otherwise make the slowest requests 1.5-2.5 times the median; their memory pages also stay
shared between workers. Workers then collect the young generation less often.
"""

import gc
import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
preload_app = True
accesslog = "-"
# The portal's own log lines and gunicorn's go to stderr, as the container expects.
errorlog = "-"

GC_THRESHOLDS = tuple(
    int(n) for n in os.environ.get("GUNICORN_GC_THRESHOLDS", "50000,20,100").split(",")
)

# No collection in the master while the application loads: nothing it creates is garbage, and
# collecting would leave holes in pages that the workers then copy.
gc.disable()


def pre_fork(server, worker):
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()
