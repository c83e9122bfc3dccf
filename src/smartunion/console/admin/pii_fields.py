"""Personal data in console forms: shown masked, replaced by typing a new value, never sent back to the browser.

`MaskedReplaceField` renders "当前：139****0001", an empty input and (for optional values) a 清除 box. Left blank,
the form keeps the stored value; a value typed in is validated and replaces it; the box clears it. The clear value
is never put in the page, not even after a validation error elsewhere on the form.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from unfold.widgets import UnfoldAdminTextInputWidget

KEEP = object()  # the cleaned value of a field left blank: the form puts the stored value back


class MaskedReplaceWidget(UnfoldAdminTextInputWidget):
    template_name = "console/widgets/masked_replace.html"

    def __init__(self, attrs=None, *, mask: Callable[[str], str], clearable: bool = True):
        super().__init__({"autocomplete": "off", "placeholder": "留空则保持不变；填写则替换", **(attrs or {})})
        self.mask, self.clearable = mask, clearable
        self.current = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, None, attrs)  # the input starts empty, whatever the value
        context["widget"].update(masked=self.mask(self.current) if self.current else "",
                                 clearable=self.clearable, clear_name=f"{name}__clear")
        return context

    def value_from_datadict(self, data, files, name):
        if self.clearable and data.get(f"{name}__clear"):
            return ("clear", "")
        return ("replace", (data.get(name) or "").strip())

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__clear" not in data


class MaskedReplaceField(forms.Field):
    """A personal-data value edited by replacement (see the module docstring). `normalize` validates a new value
    and returns its stored form, raising ValidationError with a Chinese message."""

    def __init__(self, *, mask: Callable[[str], str], normalize: Callable[[str], str] | None = None,
                 clearable: bool = True, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "出于个人信息保护，只显示部分号码；如需修改，请输入完整的新号码")
        self.normalize = normalize
        super().__init__(widget=MaskedReplaceWidget(mask=mask, clearable=clearable), **kwargs)

    def to_python(self, value):
        action, text = value if isinstance(value, tuple) else ("replace", value or "")
        if action == "clear":
            return ""
        if not text:
            return KEEP
        return self.normalize(text) if self.normalize else text

    def validate(self, value):
        if value is KEEP and self.required and not self.widget.current:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.to_python(data) is not KEEP if not self.disabled else False


class MaskedReplaceFormMixin:
    """For ModelForms: hands each MaskedReplaceField the stored value to mask, and puts it back when left blank."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        for name, field in self.fields.items():
            if isinstance(field, MaskedReplaceField):
                field.widget.current = (getattr(instance, name, "") or "") if instance is not None else ""
                self.initial.pop(name, None)  # nothing of it goes into the page

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, MaskedReplaceField) and data.get(name) is KEEP:
                data[name] = field.widget.current
        return data
