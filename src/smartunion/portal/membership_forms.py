"""The portal's membership forms: 我要入会 and 申请转会. Their region fields are the region cascader (core.widgets:
province → city → county → township selects over one code input, a plain code input with a hint without
JavaScript), styled by the portal's own input and select rules (app.css)."""

from django import forms
from django.core.validators import RegexValidator

from smartunion.core.widgets import RegionCascaderWidget
from smartunion.members.forms import JoinForm as SharedJoinForm

__all__ = ["JoinForm", "TransferForm"]

REGION_CODE = RegexValidator(r"^\d{6}(\d{3}){0,2}$", "请选择地区，或填写6位、9位或12位行政区划代码")


def region_field(label: str) -> forms.CharField:
    """A region code drawn as the cascader; members.services checks the level and that the region exists."""
    return forms.CharField(label=label, max_length=12, validators=[REGION_CODE],
                           error_messages={"required": f"请选择{label}"},
                           widget=RegionCascaderWidget(deepest="township"))


class JoinForm(SharedJoinForm):
    """The join form shared with the console's on-behalf page (members.forms), its work region as the cascader."""

    work_region = region_field("工作地区")


class TransferForm(forms.Form):
    employer_name = forms.CharField(label="新工作单位", max_length=150)
    work_region = region_field("新单位所在地区")
    employer_credit_code = forms.CharField(label="新单位统一社会信用代码（选填）", max_length=18, required=False)
