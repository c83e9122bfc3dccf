"""Console page 查找人员: find a member or person in the cadre's scope by name, full ID number, full phone number or
card number (members.search: exact look-ups, the numbers through their blind indexes), shown masked, with links to
the person's and the membership's pages. A search by a full ID number or phone is audited.

The form is sent by POST, so a full ID number or phone never lands in a URL (access logs, browser history), and the
page does not echo it back: the summary names the kind and the masked value."""

from __future__ import annotations

from django import forms
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.widgets import UnfoldAdminTextInputWidget

from smartunion.console.admin.base import scope_root
from smartunion.console.site import console_site
from smartunion.core.pagination import COUNT_CAP, MAX_PAGE, capped_count
from smartunion.core.pii import mask_id_number, mask_name, mask_phone
from smartunion.members.models import Membership
from smartunion.members.search import MAX_TERM, audit_search, search_people, visible_people

PAGE_SIZE = 20
HINT = ("输入完整姓名、18位身份证号码、11位手机号码或会员卡号。身份证号码和手机号码须完整输入，按完整号码精确查找；"
        "只查找您管辖范围内的会员。")
MASKS = {"id_number": mask_id_number, "phone": mask_phone}


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label="姓名 / 身份证号码 / 手机号码 / 会员卡号", max_length=MAX_TERM, required=False,
                        help_text=HINT,
                        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True, "autocomplete": "off",
                                                                 "placeholder": "如：张伟，或完整的18位身份证号码"}))
    p = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, widget=forms.HiddenInput)


def _row(person, membership):
    return {
        "name": mask_name(person.name),
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone),
        "sex": person.get_sex_display(),
        "card_number": membership.card_number if membership else "",
        "union": membership.union.name if membership else "",
        "since": membership.since.isoformat() if membership else "",
        "person_url": reverse("console:members_person_change", args=[person.pk]),
        "membership_url": reverse("console:members_membership_change", args=[membership.pk]) if membership else "",
    }


def people_search_view(request):
    """查找人员: one page of matches (20), each with its active membership."""
    form = PeopleSearchForm(request.POST if request.method == "POST" else None)
    context = {**console_site.each_context(request), "title": "查找人员", "form": form, "query": None, "rows": []}
    if form.is_valid() and form.cleaned_data["q"]:
        query, people = search_people(visible_people(request.user), form.cleaned_data["q"])
        number = form.cleaned_data["p"] or 1
        start = (number - 1) * PAGE_SIZE
        found = list(people.order_by("pk")[start: start + PAGE_SIZE + 1])
        has_next = len(found) > PAGE_SIZE
        found = found[:PAGE_SIZE]
        if has_next or (not found and number > 1):
            count, capped = capped_count(people, COUNT_CAP)
        else:
            count, capped = start + len(found), False  # this page ends the list: no COUNT needed
        memberships = {m.person_id: m for m in Membership.objects.filter(
            person_id__in=[p.pk for p in found], status=Membership.Status.ACTIVE).select_related("union")}
        audit_search(query, by=request.user, org=scope_root(request.user) if query.audited else None,
                     results=count, where="console.people_search")
        shown = MASKS[query.kind](query.value) if query.kind in MASKS else query.value
        if query.audited:
            form = PeopleSearchForm()  # the full number is not drawn again into the page
        context.update(form=form, query=query, shown=shown, count=count, capped=capped, number=number,
                       has_next=has_next, term=query.value if not query.audited else "",
                       rows=[_row(person, memberships.get(person.pk)) for person in found])
    return TemplateResponse(request, "console/people_search.html", context)


console_site.register_page("people/search/", people_search_view, name="people_search")
