"""Field types shared by the API serializers."""

import datetime

from django.db import models
from rest_framework import serializers


class UTCDateTimeField(serializers.DateTimeField):
    """API times are UTC ISO 8601 (`2026-05-01T08:00:00Z`), whatever zone the viewer's pages use."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(**kwargs)


class APIModelSerializer(serializers.ModelSerializer):
    """Model serializer whose datetimes are rendered in UTC."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }
