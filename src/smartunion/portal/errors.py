"""The portal's one mapping of a service's refusal (core.errors.DomainError) onto the form the person filled in.

Field messages go on their fields when the form has them (else with the form's own errors); the refusal's message is
the form's error unless a field already shows it. Django's ValidationError is mapped the same way while services
still raise it (issue 7 moves them to DomainError).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from smartunion.core.errors import DomainError


def add_refusal(form: forms.BaseForm, exc: DomainError | ValidationError) -> None:
    """Show a service's refusal on `form`: field messages on their fields, the message as a non-field error."""
    if isinstance(exc, DomainError):
        fields = dict(exc.fields)
        general = [exc.message]
    elif hasattr(exc, "error_dict"):
        fields = {name: errors[0] for name, errors in exc.message_dict.items()}
        general = []
    else:
        fields = {}
        general = list(exc.messages)
    shown: list[str] = []
    for name, message in fields.items():
        if name in form.fields:
            form.add_error(name, message)
            shown.append(message)
        else:
            general.append(message)
    for message in dict.fromkeys(general):  # in order, once each
        if message not in shown:
            form.add_error(None, message)
