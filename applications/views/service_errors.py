"""How a service's ValidationError reaches the page: beside the field it names, else on top."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def service_error_messages(exc: ValidationError) -> dict[str, list[str]]:
    """The error's messages by field name; an error not tied to a field is under "__all__"."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


def form_add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the form: on the field when the form has it, else at the top,
    so the user sees every reason and keeps what they typed."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_take_conflict(form, conflict) -> None:
    """Show a stale-edit conflict on the form, keep what was typed, and base the form on the
    stored version: saving it again is then a deliberate choice to replace the teammate's."""
    form.add_error(None, conflict.messages)
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = str(conflict.current_version)
