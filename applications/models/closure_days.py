from django.conf import settings
from django.db import models


class ClosureDay(models.Model):
    """A day the programme office is closed beyond weekends and public holidays (e.g. between
    Christmas and New Year): not a working day for the time to access (applications.working_days).
    """

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, help_text="Shown to officers beside the date.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %b %Y}: {self.reason}"
