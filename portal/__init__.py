"""The Compute Access Portal project package and its shared core (accounts, organisations,
activity log, notification outbox, PDF rendering)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
