"""Forms of the proposal pages: one form per section, team, resource requests, estimator, uploads.

The forms only check types and shapes (a number is a number, a choice is offered). Every rule of
the call (abstract length, request limits, PDF content, eligibility) belongs to the proposal
services, which report errors by field; the views put those errors back on these forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.forms.models import fields_for_model, model_to_dict

from applications.models import (
    AI_ACT_QUESTIONS,
    Attachment,
    CallPartition,
    Proposal,
    ResourceRequest,
    TeamMember,
)


class BootstrapMixin:
    """Give every widget the Bootstrap class its type needs (templates render fields by hand)."""

    def _style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ProposalSectionForm(BootstrapMixin, forms.Form):
    """A section of the proposal: a subset of Proposal's fields, saved via proposal_update."""

    model_fields: tuple[str, ...] = ()
    widgets: dict[str, forms.Widget] = {}
    labels: dict[str, str] = {}

    def __init__(self, *args, proposal: Proposal, **kwargs):
        kwargs.setdefault("initial", self.initial_for(proposal))
        super().__init__(*args, **kwargs)
        generated = fields_for_model(
            Proposal, fields=self.model_fields, widgets=self.widgets, labels=self.labels
        )
        # Model fields first, in the model's order, then any fields the subclass declares.
        declared = dict(self.fields)
        self.fields = {**generated, **declared}
        for field in self.fields.values():
            field.required = False  # a draft may be incomplete; submission checks completeness
        self.proposal = proposal
        self._style_widgets()

    def initial_for(self, proposal: Proposal) -> dict:
        return model_to_dict(proposal, fields=self.model_fields)

    def section_data(self) -> dict:
        """The values that passed the form's own checks, ready for proposal_update(data=...)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned[name] for name in self.model_fields if name in cleaned}


class KeywordsField(forms.CharField):
    """Keywords typed as one comma-separated line; the service checks how many and how long."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 1_000)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in text.split(",") if part.strip()]


class SummaryForm(ProposalSectionForm):
    model_fields = ("title", "acronym", "abstract", "keywords")
    widgets = {"abstract": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, proposal=proposal, **kwargs)
        self.fields["keywords"] = KeywordsField(
            required=False,
            label="Keywords",
            help_text="Up to 10 words or phrases, separated by commas (each at most 60 "
            "characters); reviewers are matched to your proposal by them.",
        )
        self._style_widgets()
        # The live counter reads the call's limit; the limit itself is checked by the service.
        self.fields["abstract"].widget.attrs["data-max-chars"] = proposal.call.abstract_max_chars
        self.fields[
            "abstract"
        ].help_text = f"At most {proposal.call.abstract_max_chars:,} characters, spaces included."


class AIPlanForm(ProposalSectionForm):
    model_fields = (
        "model_type",
        "parameters",
        "training_tokens",
        "dataset_size_tb",
        "training_share_percent",
        "ai_plan",
    )
    labels = {
        "parameters": "Model size (parameters, N)",
        "training_tokens": "Training tokens (D)",
        "dataset_size_tb": "Data set size (TB)",
        "training_share_percent": "Training share of the hours (%)",
        "ai_plan": "Methodology and work plan",
    }
    widgets = {
        "ai_plan": forms.Textarea(attrs={"rows": 8}),
        # No placeholders: a grey 7000000000 in an empty box reads like an answer already
        # given. The help texts carry the examples.
        "parameters": forms.NumberInput(attrs={"min": 1}),
        "training_tokens": forms.NumberInput(attrs={"min": 1}),
        "training_share_percent": forms.NumberInput(attrs={"min": 0, "max": 100}),
    }

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, proposal=proposal, **kwargs)
        # The model's help texts repeat the labels; say what the applicant should write instead.
        self.fields[
            "model_type"
        ].help_text = (
            "The kind of model, for example a decoder-only transformer or a diffusion model."
        )
        self.fields["parameters"].help_text = "A whole number: 7000000000 for a 7B model."
        self.fields["training_tokens"].help_text = (
            "A whole number: 2000000000000 for 2T tokens; the data set size in tokens if you "
            "fine-tune."
        )
        self.fields[
            "ai_plan"
        ].help_text = "The experiments you will run, in which order, and what each needs."


class SoftwareForm(ProposalSectionForm):
    model_fields = ("software_stack", "containers")
    labels = {"software_stack": "Software stack", "containers": "Containers"}
    widgets = {
        "software_stack": forms.Textarea(attrs={"rows": 6}),
        "containers": forms.Textarea(attrs={"rows": 5}),
    }

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, proposal=proposal, **kwargs)
        self.fields[
            "software_stack"
        ].help_text = (
            "The frameworks and libraries you use, with their versions, and how jobs are launched."
        )


YES_NO = [("yes", "Yes"), ("no", "No")]


class DataEthicsForm(ProposalSectionForm):
    model_fields = (
        "data_sources",
        "data_licences",
        "uses_personal_data",
        "personal_data_measures",
        "civilian_use_confirmed",
    )
    labels = {
        "uses_personal_data": "Does the project process personal data?",
        "personal_data_measures": "How personal data is protected (legal basis, minimisation)",
        "civilian_use_confirmed": (
            "I confirm the results will be used for civilian purposes only."
        ),
    }
    widgets = {
        "data_sources": forms.Textarea(attrs={"rows": 4}),
        "data_licences": forms.Textarea(attrs={"rows": 3}),
        "personal_data_measures": forms.Textarea(attrs={"rows": 3}),
    }

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, proposal=proposal, **kwargs)
        self.fields["uses_personal_data"] = forms.TypedChoiceField(
            label=self.labels["uses_personal_data"],
            choices=[("true", "Yes"), ("false", "No")],
            coerce=lambda value: value == "true",
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )
        for key, question in AI_ACT_QUESTIONS.items():
            self.fields[f"ai_act_{key}"] = forms.ChoiceField(
                label=question, choices=YES_NO, widget=forms.RadioSelect, required=False
            )
        self._style_widgets()

    def initial_for(self, proposal: Proposal) -> dict:
        initial = super().initial_for(proposal)
        if proposal.uses_personal_data is not None:
            initial["uses_personal_data"] = "true" if proposal.uses_personal_data else "false"
        for key in AI_ACT_QUESTIONS:
            initial[f"ai_act_{key}"] = (proposal.ai_act_answers or {}).get(key, "")
        return initial

    def ai_act_fields(self):
        return [self[f"ai_act_{key}"] for key in AI_ACT_QUESTIONS]

    def section_data(self) -> dict:
        data = super().section_data()
        cleaned = getattr(self, "cleaned_data", {})
        if not any(f"ai_act_{key}" in self.errors for key in AI_ACT_QUESTIONS):
            data["ai_act_answers"] = {
                key: cleaned[f"ai_act_{key}"]
                for key in AI_ACT_QUESTIONS
                if cleaned.get(f"ai_act_{key}")
            }
        return data


class CommercialForm(ProposalSectionForm):
    model_fields = ("is_confidential", "expected_impact")
    labels = {
        "is_confidential": (
            "Treat this proposal as commercially confidential (every download is logged)"
        ),
        "expected_impact": "Expected impact (market, customers, jobs, European added value)",
    }
    widgets = {"expected_impact": forms.Textarea(attrs={"rows": 6})}


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    form_class: type[ProposalSectionForm] | None  # None: the section has its own sub-forms


SECTIONS: tuple[Section, ...] = (
    Section("summary", "Summary", SummaryForm),
    Section("team", "Team", None),
    Section("ai_plan", "AI plan", AIPlanForm),
    Section("resources", "Resource requests", None),
    Section("software", "Software and containers", SoftwareForm),
    Section("data_ethics", "Data and ethics", DataEthicsForm),
    Section("commercial", "Commercial information", CommercialForm),
    Section("attachments", "Attachments", None),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


class PrincipalInvestigatorForm(BootstrapMixin, forms.Form):
    pi = forms.ModelChoiceField(
        queryset=None, label="Principal investigator", required=False, empty_label="— choose —"
    )

    def __init__(self, *args, proposal: Proposal, people, **kwargs):
        kwargs.setdefault("initial", {"pi": proposal.pi_id})
        super().__init__(*args, **kwargs)
        self.fields["pi"].queryset = people
        self._style_widgets()


class TeamMemberForm(BootstrapMixin, forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Person", empty_label="— choose —")
    role = forms.ChoiceField(choices=TeamMember.Role.choices, initial=TeamMember.Role.ENGINEER)
    expertise = forms.CharField(max_length=300, required=False)
    cv = forms.FileField(
        label="CV (PDF)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    # The member's version when the page was loaded (a stale save is refused, not applied).
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        # Expertise runs to a sentence or two: a box that wraps shows all of it, where a
        # one-line input cuts it off.
        expertise = self.fields["expertise"]
        expertise.widget = forms.Textarea(
            attrs={"rows": 2, "class": "team-expertise", **expertise.widget.attrs}
        )
        expertise.help_text = "What this person brings to the project, in a sentence or two."
        self._style_widgets()


class OfferedPartitionSelect(forms.Select):
    """Each option carries what the page needs without another request: the partition's unit
    and the estimator's default throughput."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        offered = getattr(value, "instance", None)
        if offered is not None:
            option["attrs"]["data-unit"] = offered.partition.unit_label
            option["attrs"]["data-tflops"] = str(offered.estimator_tflops)
            option["attrs"]["data-gpu"] = "1" if offered.partition.is_gpu else "0"
        return option


class ResourceRequestForm(BootstrapMixin, forms.Form):
    offered_partition = forms.ModelChoiceField(
        queryset=None,
        label="System and partition",
        empty_label="— choose —",
        widget=OfferedPartitionSelect,
    )
    hours = forms.DecimalField(
        max_digits=12, decimal_places=0, validators=[MinValueValidator(1)], label="Hours"
    )
    job_size = forms.IntegerField(min_value=1, max_value=2**31 - 1, label="Typical job size")
    storage_tb = forms.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), initial=0, label="Storage (TB)"
    )
    duration_months = forms.TypedChoiceField(coerce=int, label="Duration", choices=())
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=ResourceRequest._meta.get_field("justification").max_length,
    )
    # What the estimator was given when its figure was copied in (kept for reviewers).
    est_parameters = forms.IntegerField(required=False, widget=forms.HiddenInput)
    est_tokens = forms.IntegerField(required=False, widget=forms.HiddenInput)
    est_tflops = forms.DecimalField(
        required=False, max_digits=7, decimal_places=1, widget=forms.HiddenInput
    )
    # The request's version when the page was loaded (a stale save is refused, not applied).
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self, *args, proposal: Proposal, resource_request: ResourceRequest | None = None, **kwargs
    ):
        if resource_request is not None:
            inputs = resource_request.estimator_inputs or {}
            kwargs.setdefault(
                "initial",
                {
                    "offered_partition": resource_request.offered_partition_id,
                    "hours": resource_request.hours,
                    "job_size": resource_request.job_size,
                    "storage_tb": resource_request.storage_tb,
                    "duration_months": resource_request.duration_months,
                    "justification": resource_request.justification,
                    "est_parameters": inputs.get("parameters"),
                    "est_tokens": inputs.get("tokens"),
                    "est_tflops": inputs.get("tflops"),
                    "version": resource_request.version,
                },
            )
            kwargs.setdefault("prefix", f"rr{resource_request.pk}")
        else:
            kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        self.resource_request = resource_request
        offered = offered_partitions_of(proposal)
        self.fields["offered_partition"].queryset = offered
        self.fields["offered_partition"].label_from_instance = offered_partition_label
        self.fields["duration_months"].choices = [
            (months, f"{months} month{'s' if months != 1 else ''}")
            for months in proposal.call.durations_months
        ]
        self.fields["job_size"].help_text = "GPUs on a GPU partition, nodes on a CPU partition."
        self._style_widgets()

    def estimator_inputs(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("est_parameters") or not data.get("est_tokens"):
            return None
        return {
            "parameters": data["est_parameters"],
            "tokens": data["est_tokens"],
            "tflops": str(data["est_tflops"]) if data.get("est_tflops") is not None else None,
        }


def offered_partitions_of(proposal: Proposal):
    return CallPartition.objects.filter(call_id=proposal.call_id).select_related(
        "partition__centre"
    )


def offered_partition_label(offered: CallPartition) -> str:
    partition = offered.partition
    return (
        f"{partition.system_name} {partition.name} — {partition.centre.short_name} "
        f"({partition.unit_label})"
    )


class EstimatorForm(forms.Form):
    """Inputs of the GPU-hours estimator; the arithmetic is allocations.units.estimate_hours."""

    offered_partition = forms.ModelChoiceField(queryset=None)
    # Decimal fields so that 7e9 or 2.5e12 are understood; whole numbers come out.
    parameters = forms.DecimalField(min_value=1, label="Parameters (N)")
    tokens = forms.DecimalField(min_value=1, label="Training tokens (D)")
    tflops = forms.DecimalField(
        min_value=Decimal("0.1"),
        max_digits=7,
        decimal_places=1,
        label="Sustained TFLOP/s per accelerator",
    )

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offered_partition"].queryset = offered_partitions_of(proposal)

    def clean_parameters(self) -> int:
        return int(self.cleaned_data["parameters"])

    def clean_tokens(self) -> int:
        return int(self.cleaned_data["tokens"])


class AttachmentForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(choices=Attachment.Kind.choices, label="Kind of document")
    file = forms.FileField(
        label="PDF file", widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


class WithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Reason for withdrawing",
        max_length=Proposal._meta.get_field("withdrawal_reason").max_length,
        help_text="The programme office reads this; it is kept with the proposal.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style_widgets()


class ProposalStartForm(BootstrapMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None, label="Apply on behalf of", empty_label=None
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self._style_widgets()
