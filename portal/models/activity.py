from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.activity_actions import Audience


class Activity(models.Model):
    """Who did what to which object, when, from which state to which. Written by services only.

    `verb` is the action's dotted code (`proposal.submit`); its audience and wording come from
    portal.activity_actions. Entries for staff are the audit log only: an applicant never sees one.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    verb = models.CharField("action", max_length=80)
    audience = models.CharField(
        max_length=16, choices=Audience.choices, default=Audience.STAFF, db_index=True
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=255, blank=True)
    from_state = models.CharField(max_length=40, blank=True)
    to_state = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.verb} {self.object_repr}"
