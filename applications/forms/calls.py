"""Forms for setting up calls and for filtering the officer's cut-off list.

Date-times typed by an officer are wall-clock times in the zone they choose (the call's zone by
default), so "10:00 Europe/Brussels" means exactly that whatever the officer's own zone is.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime

import django_filters
from django import forms
from django.utils import timezone

from allocations.models import Partition
from applications.deadlines import format_deadline
from applications.models import Call, EvaluationCriterion, ProposalStatus
from applications.modes import MODE_DEFAULTS, AccessMode
from applications.selectors.calls import WAITING_FILTER_CHOICES, proposals_waiting_on
from portal.countries import COUNTRY_CHOICES, PARTICIPATING_COUNTRIES
from portal.models import OrganisationKind
from portal.models.accounts import TIMEZONE_CHOICES
from portal.widgets import QuickSelect

DURATION_CHOICES = [(m, f"{m} month{'s' if m > 1 else ''}") for m in (1, 2, 3, 4, 6, 9, 12, 18, 24)]
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class WallClockDateTimeField(forms.DateTimeField):
    """A date-time as typed, without a zone: the form attaches the zone the officer chose."""

    widget = DATETIME_WIDGET

    def to_python(self, value):
        with timezone.override(zoneinfo.ZoneInfo("UTC")):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None

    def prepare_value(self, value):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return value.replace(tzinfo=None)
        return value


def _in_zone(value: datetime | None, tz_name: str) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=zoneinfo.ZoneInfo(tz_name))


def _wall_clock(value: datetime | None, tz_name: str) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(zoneinfo.ZoneInfo(tz_name)).replace(tzinfo=None)


def _mode_defaults_text(what: str) -> str:
    """`Empty: the mode's default (Playground: 1, 2, 3 months; ...).` for durations or days."""
    parts = []
    for mode, d in MODE_DEFAULTS.items():
        if what == "durations":
            value = ", ".join(str(m) for m in d.durations_months) + " months"
        else:
            value = f"{d.days_to_access} working days"
        parts.append(f"{AccessMode(mode).label}: {value}")
    return "Empty: the mode's default (" + "; ".join(parts) + ")."


class CallForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label="Web address",
        help_text=(
            "The end of the call's address, as in /calls/fast-lane-2027/. Empty: from the title."
        ),
    )
    mode = forms.ChoiceField(
        choices=AccessMode.choices,
        label="Access mode",
        help_text="Decides the evaluation path and the default limits copied onto the call.",
    )
    summary = forms.CharField(max_length=300, help_text="One line shown in call lists.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=Call._meta.get_field("description").max_length,
        help_text="What the call offers and to whom.",
    )
    display_timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES,
        initial="Europe/Brussels",
        label="Time zone of the call",
        help_text="Opening, closing and cut-off times are announced in this zone.",
    )
    opens_at = WallClockDateTimeField(label="Opens", help_text="In the call's time zone.")
    closes_at = WallClockDateTimeField(label="Closes", help_text="In the call's time zone.")
    durations_months = forms.TypedMultipleChoiceField(
        choices=DURATION_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Allowed durations",
    )
    days_to_access = forms.IntegerField(
        min_value=0,
        max_value=365,
        required=False,
        label="Time to access (working days)",
        help_text=(
            "The decision is promised within this many working days of submission (Large "
            "Scale: of the cut-off); weekends, public holidays and closure days do not count."
        ),
    )
    eligible_countries = forms.MultipleChoiceField(
        choices=COUNTRY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=sorted(PARTICIPATING_COUNTRIES),
        label="Eligible countries",
        help_text="EU member states and associated states.",
    )
    eligible_organisation_kinds = forms.MultipleChoiceField(
        choices=OrganisationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[OrganisationKind.STARTUP, OrganisationKind.SME],
        label="Organisations that may apply",
    )
    one_open_proposal_per_cutoff = forms.BooleanField(
        required=False,
        initial=True,
        label="One open proposal per organisation per cut-off",
    )
    abstract_max_chars = forms.IntegerField(
        min_value=200, max_value=20000, initial=2000, label="Abstract length limit (characters)"
    )
    right_of_reply = forms.BooleanField(
        required=False,
        label="Right of reply",
        help_text="Peer-reviewed calls: applicants may answer the reviews before the panel.",
    )
    reply_word_limit = forms.IntegerField(
        min_value=50, max_value=3000, initial=500, required=False, label="Reply word limit"
    )
    reply_working_days = forms.IntegerField(
        min_value=1,
        max_value=30,
        initial=5,
        required=False,
        label="Days to reply (working days)",
        help_text="Counted from when the programme office opens the right of reply.",
    )
    reply_shows_scores = forms.BooleanField(
        required=False,
        label="Show the reviewers' scores with their comments",
        help_text="Applicants never learn who reviewed them either way.",
    )

    def __init__(self, *args, call: Call | None = None, **kwargs):
        self.call = call
        if call is not None:
            initial = {name: getattr(call, name) for name in self.base_fields}
            initial["opens_at"] = _wall_clock(call.opens_at, call.display_timezone)
            initial["closes_at"] = _wall_clock(call.closes_at, call.display_timezone)
            kwargs["initial"] = {**initial, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        if call is None:
            self.fields["durations_months"].help_text = _mode_defaults_text("durations")
            self.fields["days_to_access"].help_text = _mode_defaults_text("days")
        else:
            # Editing: the call holds its own values now; nothing falls back to the mode.
            self.fields["durations_months"].required = True
            self.fields["days_to_access"].required = True

    def clean(self):
        data = super().clean()
        tz_name = data.get("display_timezone") or "Europe/Brussels"
        for name in ("opens_at", "closes_at"):
            if data.get(name) is not None:
                data[name] = _in_zone(data[name], tz_name)
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", "The closing date must be after the opening date.")
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("reply_word_limit", "reply_working_days"):
            if data.get(name) is None:
                data.pop(name, None)  # left empty: the default, or the call's value unchanged
        if self.call is None:
            if not data.get("durations_months"):
                data.pop("durations_months", None)
            if data.get("days_to_access") is None:
                data.pop("days_to_access", None)
        return data


class CutOffForm(forms.Form):
    at = WallClockDateTimeField(label="Cut-off (date and time)")
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, label="Time zone")

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["timezone"].initial = call.display_timezone

    def clean(self):
        data = super().clean()
        if data.get("at") is not None and data.get("timezone"):
            data["at"] = _in_zone(data["at"], data["timezone"])
        return data


class DaysOfMonthField(forms.CharField):
    """ "1, 15" -> [1, 15]."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return []
        parts = [p for p in re.split(r"[\s,;]+", value) if p]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                "Write the days as numbers separated by commas, e.g. 1, 15."
            )
        days = sorted({int(p) for p in parts})
        if days[0] < 1 or days[-1] > 28:
            raise forms.ValidationError(
                "Choose days between 1 and 28, so that every month has them."
            )
        return days


class CutOffScheduleForm(forms.Form):
    days_of_month = DaysOfMonthField(
        initial="1, 15",
        label="Days of the month",
        help_text="e.g. 1, 15 for two cut-offs a month.",
    )
    clock = forms.TimeField(
        initial="10:00", label="Time", widget=forms.TimeInput(attrs={"type": "time"})
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, label="Time zone")
    starts_on = forms.DateField(
        required=False,
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: from the opening.",
    )
    ends_on = forms.DateField(
        required=False,
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Empty: until the closing.",
    )

    def __init__(self, *args, call: Call, **kwargs):
        # Shown beside the single cut-off form, which has a `timezone` field too: distinct ids
        # keep each label tied to its own input.
        kwargs.setdefault("auto_id", "id_schedule_%s")
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["timezone"].initial = call.display_timezone

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The end must not be before the start.")
        return data


def partition_label(partition: Partition) -> str:
    return (
        f"{partition.system_name} {partition.name} — {partition.centre.short_name} "
        f"({partition.hardware_summary}; {partition.unit_label})"
    )


class PartitionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partition) -> str:
        return partition_label(obj)


HOURS_ATTRS = {"min": "0", "step": "1", "inputmode": "numeric"}


def _hours_field(label: str, **options) -> forms.DecimalField:
    """Whole hours in the partition's unit."""
    return forms.DecimalField(
        min_value=0,
        decimal_places=0,
        label=label,
        widget=forms.NumberInput(attrs=HOURS_ATTRS),
        **options,
    )


def _estimator_tflops_field() -> forms.DecimalField:
    return forms.DecimalField(
        min_value=0,
        decimal_places=1,
        required=False,
        label="Estimator throughput (TFLOP/s per accelerator)",
        help_text="Empty: the partition's own figure.",
    )


class _RequestLimitsCheck:
    """Both partition forms: the maximum request may not be below the minimum."""

    def clean(self):
        data = super().clean()
        low, high = data.get("min_hours"), data.get("max_hours")
        if low is not None and high is not None and high < low:
            self.add_error("max_hours", "The maximum must be at least the minimum.")
        return data


class OfferedPartitionForm(_RequestLimitsCheck, forms.Form):
    partition = PartitionChoiceField(queryset=Partition.objects.none(), label="Partition")
    min_hours = _hours_field(
        "Minimum request",
        required=False,
        help_text="In the partition's unit. Empty: the mode's default.",
    )
    max_hours = _hours_field(
        "Maximum request",
        required=False,
        help_text="In the partition's unit. Empty: the mode's default.",
    )
    pool_hours_per_cutoff = _hours_field(
        "Capacity per cut-off",
        initial=0,
        help_text="Hours of the partition available at each cut-off, in its unit.",
    )
    sustained_tflops_per_accelerator = _estimator_tflops_field()

    def __init__(self, *args, partitions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partition"].queryset = partitions


class OfferedPartitionEditForm(_RequestLimitsCheck, forms.Form):
    min_hours = _hours_field("Minimum request")
    max_hours = _hours_field("Maximum request", required=False, help_text="Empty: no upper limit.")
    pool_hours_per_cutoff = _hours_field(
        "Capacity per new cut-off",
        help_text="Given to cut-offs added later; change existing pools in the capacity table.",
    )
    sustained_tflops_per_accelerator = _estimator_tflops_field()


class CutOffPoolsForm(forms.Form):
    """One field per (cut-off, offered partition): the pool's hours."""

    def __init__(self, *args, setup, **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = {}
        for cutoff, cells in setup.rows:
            for cell in cells:
                self.fields[cell.field_name] = forms.DecimalField(
                    min_value=0,
                    decimal_places=0,
                    # Pools are whole hours here; the stored value carries two decimals.
                    initial=int(cell.hours) if cell.hours is not None else 0,
                    label=f"{cell.offered.partition}, cut-off {format_deadline(cutoff.at)}",
                    widget=forms.NumberInput(attrs=HOURS_ATTRS),
                )
                self.cells[cell.field_name] = (cutoff.pk, cell.offered.pk)
        self.setup = setup

    @property
    def grid(self):
        """Rows of (cut-off, bound fields in offered-partition order) for the capacity table."""
        return [
            (cutoff, [self[cell.field_name] for cell in cells]) for cutoff, cells in self.setup.rows
        ]

    def hours(self) -> dict[tuple[int, int], object]:
        return {key: self.cleaned_data[name] for name, key in self.cells.items()}


class CriterionForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=EvaluationCriterion._meta.get_field("description").max_length,
    )
    weight = forms.DecimalField(min_value=0, max_digits=5, decimal_places=2, initial=1)
    scale_min = forms.IntegerField(min_value=0, max_value=100, initial=0, label="Scale from")
    scale_max = forms.IntegerField(min_value=1, max_value=100, initial=5, label="Scale to")
    threshold = forms.DecimalField(
        max_digits=4,
        decimal_places=1,
        required=False,
        help_text="Minimum score to pass this criterion. Empty: no threshold.",
    )

    def clean(self):
        data = super().clean()
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and high <= low:
            self.add_error("scale_max", "The top of the scale must be above its bottom.")
        threshold = data.get("threshold")
        on_scale = low is not None and high is not None and high > low
        if threshold is not None and on_scale and not (low <= threshold <= high):
            self.add_error("threshold", f"The threshold must lie on the scale ({low}-{high}).")
        return data


SUBMITTED_STATUSES = [(value, label) for value, label in ProposalStatus.choices if value != "draft"]


class SubmittedProposalFilter(django_filters.FilterSet):
    """Filters of the officer's list of submitted proposals. One cut-off's proposals all share
    the call's mode, so that list is built with `by_mode=False` and offers no mode filter."""

    mode = django_filters.ChoiceFilter(
        field_name="call__mode",
        choices=AccessMode.choices,
        label="Mode",
        empty_label="Any mode",
        widget=QuickSelect,
    )
    # Choices from partitions the view has read already (a cut-off's page has them with its
    # demand figures), so the filter costs no query of its own.
    partition = django_filters.ChoiceFilter(
        field_name="requests__offered_partition__partition",
        choices=(),
        label="Partition",
        empty_label="Any partition",
        widget=QuickSelect,
    )
    country = django_filters.ChoiceFilter(
        field_name="organisation__country",
        # A callable: the filterset and its form deep-copy their fields on every view, and a
        # list of every country costs a millisecond to copy each time.
        choices=lambda: COUNTRY_CHOICES,
        label="Country",
        empty_label="Any country",
        widget=QuickSelect,
    )
    status = django_filters.ChoiceFilter(
        choices=SUBMITTED_STATUSES, label="Status", empty_label="Any status", widget=QuickSelect
    )
    # The workspace's counters link here with ?waiting_on=...
    waiting_on = django_filters.ChoiceFilter(
        choices=WAITING_FILTER_CHOICES,
        label="Waiting on",
        empty_label="Anything",
        method="filter_waiting_on",
        widget=QuickSelect,
    )

    def filter_waiting_on(self, queryset, name, value):
        return proposals_waiting_on(queryset, value)

    def __init__(self, *args, partitions=None, by_mode: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not by_mode:
            # Dropped before the form is built, so a stray ?mode= is ignored too.
            del self.filters["mode"]
        choices = [(p.pk, partition_label(p)) for p in partitions or ()]
        self.filters["partition"].extra["choices"] = choices
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
