"""The join application's form, shared by both surfaces that file one: the portal (a worker for themself) and the
console (a cadre on a worker's behalf). It lives here, with the data it describes, because a surface never imports
another. It checks the shape of the input only; members.services.join_apply decides."""

from django import forms

from smartunion.core import codes
from smartunion.orgs.models import Organisation, Region


def region_choices() -> list:
    """Counties and their townships in the deployment's province, grouped by city, for the work-region select."""
    province = Organisation.objects.filter(kind=Organisation.Kind.PROVINCE).order_by("path").first()
    prefix = province.region_id[:2] if province and province.region_id else ""
    regions = list(Region.objects.filter(code__startswith=prefix, level__in=["county", "township"]).order_by("code"))
    counties = {r.code: r for r in regions if r.level == "county"}
    grouped: dict[str, list] = {}
    for region in regions:
        county = counties.get(region.code[:6])
        if county is None:
            continue
        city = codes.label("regions", county.code[:4] + "00") or ""
        label = f"{county.name}（全区县）" if region.level == "county" else f"{county.name} {region.name}"
        grouped.setdefault(city, []).append((region.code, label))
    return [("", "请选择工作地区")] + [(city, options) for city, options in grouped.items()]


def coded(table: str, blank: str = "（选填）") -> list:
    return [("", blank), *codes.choices(table)]


class JoinForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码", max_length=18)
    phone = forms.CharField(label="手机号码", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    employer_name = forms.CharField(label="工作单位", max_length=150)
    work_region = forms.ChoiceField(label="工作地区", choices=[])
    employer_credit_code = forms.CharField(label="单位统一社会信用代码（选填）", max_length=18, required=False)
    employment_form = forms.ChoiceField(label="用工形式", choices=[], required=False)
    gig_platform = forms.CharField(label="服务平台（外卖、快递、网约车等，选填）", max_length=50, required=False)
    education = forms.ChoiceField(label="学历", choices=[], required=False)
    political_status = forms.ChoiceField(label="政治面貌", choices=[], required=False)
    source_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        region = self.fields["work_region"]
        if isinstance(region, forms.ChoiceField):  # a surface may draw it as the region cascader (a code input)
            region.choices = region_choices()
        self.fields["employment_form"].choices = coded("employment_form")
        self.fields["education"].choices = coded("education")
        self.fields["political_status"].choices = coded("political_status")
