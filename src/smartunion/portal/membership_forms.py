from django import forms

from smartunion.members.forms import JoinForm, region_choices

__all__ = ["JoinForm", "TransferForm"]  # the join form is shared with the console's on-behalf page (members.forms)


class TransferForm(forms.Form):
    employer_name = forms.CharField(label="新工作单位", max_length=150)
    work_region = forms.ChoiceField(label="新单位所在地区", choices=[])
    employer_credit_code = forms.CharField(label="新单位统一社会信用代码（选填）", max_length=18, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_region"].choices = region_choices()
