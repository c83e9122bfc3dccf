"""Form widgets shared by the console and the portal.

RegionCascaderWidget: a region field as the province → city → county → township selects people know, instead of a
native select of thousands of entries. The field's value stays one GB/T 2260 code in one input; the selects are
drawn by core/static/core/region-cascader.js and filled on demand from the public region endpoints (orgs/views.py,
url names "region_children" and "region_path"), so the widget needs no query and works with any region field
(a ModelChoiceField on Region, or a CharField holding the code). Without JavaScript it is a plain code input with a
hint. The script is CSP-clean (no inline script, no eval) and comes from the project's own static files.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse

LEVELS = ("province", "city", "county", "township")
HINT = "请填写行政区划代码：区（县）6位，乡镇（街道）9位或12位，如 370102（济南市历下区）"


class RegionCascaderWidget(forms.TextInput):
    """One region code, picked level by level.

    `deepest`: the finest level offered ("county" for a field that takes no township); `root`: a code whose
    children are the first select (a deployment's province), else the provinces; `input_class` / `select_class`:
    the surface's own input and select styles (the console passes django-unfold's)."""

    template_name = "core/widgets/region_cascader.html"

    class Media:
        css = {"all": ["core/region-cascader.css"]}
        js = ["core/region-cascader.js"]

    def __init__(self, attrs=None, *, deepest: str = "township", root: str = "", input_class: str = "",
                 select_class: str = "", hint: str = HINT):
        if deepest not in LEVELS:
            raise ValueError(f"deepest must be one of {LEVELS}")
        base = {"inputmode": "numeric", "maxlength": "12", "autocomplete": "off", "placeholder": "行政区划代码"}
        if input_class:
            base["class"] = input_class
        super().__init__({**base, **(attrs or {})})
        self.deepest, self.root, self.select_class, self.hint = deepest, root, select_class, hint

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["cascader"] = {
            "children_url": reverse("region_children"), "path_url": reverse("region_path"),
            "deepest": self.deepest, "root": self.root, "select_class": self.select_class, "hint": self.hint,
            "hint_id": f"{context['widget']['attrs'].get('id') or name}_hint",
        }
        return context
