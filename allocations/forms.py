"""Forms of the centre pages. They shape input; consistency rules live in Partition.clean()."""

from __future__ import annotations

from django import forms

from .models import Partition
from .services import PARTITION_EDITABLE_FIELDS

GPU_ONLY_FIELDS = (
    "accelerator_model",
    "accelerators_per_node",
    "devices_per_accelerator",
    "accelerator_memory_gb",
    "sustained_tflops_per_accelerator",
)


class MultilineTextField(forms.CharField):
    """Text from a text area. Browsers send its line breaks as CRLF: they are kept as typed (LF),
    so that sending the form back unchanged changes nothing and a line break counts once
    against the length limit."""

    widget = forms.Textarea

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class PartitionForm(forms.ModelForm):
    class Meta:
        model = Partition
        fields = list(PARTITION_EDITABLE_FIELDS)
        field_classes = {"notes": MultilineTextField}
        labels = {
            "accelerators_per_node": "Accelerators per node",
            "devices_per_accelerator": "Devices per accelerator",
            "accelerator_memory_gb": "Memory per accelerator (GB)",
            "cores_per_node": "CPU cores per node",
            "nodes": "Nodes",
            "sustained_tflops_per_accelerator": "Estimator throughput (TFLOP/s per accelerator)",
            "is_active": "Open to new requests",
            "notes": "Notes",
        }
        help_texts = {
            "accelerators_per_node": "The accelerators a GPU-hour is counted on. 0 for CPU.",
            "sustained_tflops_per_accelerator": (
                "The default the GPU-hours estimator offers applicants: sustained dense BF16 "
                "throughput of a well-tuned training run, typically 35-40 % of the peak."
            ),
            "is_active": "Inactive partitions are kept but cannot be offered in new calls.",
            "notes": (
                "Shown on the centre page under the partition's hardware, e.g. maintenance "
                "windows or software images."
            ),
        }
        widgets = {
            "accelerators_per_node": forms.NumberInput(attrs={"min": "0"}),
            "devices_per_accelerator": forms.NumberInput(attrs={"min": "1"}),
            "accelerator_memory_gb": forms.NumberInput(attrs={"min": "0"}),
            "cores_per_node": forms.NumberInput(attrs={"min": "1"}),
            "nodes": forms.NumberInput(attrs={"min": "0"}),
            "sustained_tflops_per_accelerator": forms.NumberInput(
                attrs={"min": "0", "step": "0.1"}
            ),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.is_gpu:  # a CPU partition has nothing to say about accelerators
            for name in GPU_ONLY_FIELDS:
                del self.fields[name]

    def clean_sustained_tflops_per_accelerator(self):
        value = self.cleaned_data["sustained_tflops_per_accelerator"]
        if self.instance.is_gpu and (value is None or value <= 0):
            raise forms.ValidationError(
                "Enter the sustained TFLOP/s per accelerator the estimator should assume "
                "(more than 0)."
            )
        return value

    def facts(self) -> dict:
        """The validated facts, as the service takes them."""
        return {name: self.cleaned_data[name] for name in self.fields}
