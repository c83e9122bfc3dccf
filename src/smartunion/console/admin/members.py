"""Console pages of the members app: the join review queue (review, filing on a worker's behalf), transfers,
memberships (with the roster export actions), people (masked; the audited reveal)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef
from django.forms import Script
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.console.admin.base import (
    ReadOnlyAdminMixin,
    Refused,
    ScopedAdmin,
    region_widget,
    run_service,
    scope_root,
    xlsx_response,
)
from smartunion.console.site import console_site
from smartunion.core.audit import log_event
from smartunion.core.calendar import ESTIMATED_HINT, ESTIMATED_NOTE
from smartunion.core.pii import mask_id_number, mask_name, mask_phone
from smartunion.members import roster, services
from smartunion.members.forms import JoinForm, coded
from smartunion.members.models import JoinApplication, Membership, Person, Transfer
from smartunion.members.queries import active_membership, overdue_counts, overdue_join_applications
from smartunion.members.search import audit_search, parse_term, search_memberships, search_people
from smartunion.orgs.models import Organisation, Position, subtree_q
from smartunion.orgs.queries import is_unrestricted, managed_paths, scope_q, scoped


def _with_estimate_mark(text, estimated: bool):
    """A deadline that counted days of a year without an official schedule is marked as such."""
    if not estimated:
        return text
    return format_html('{}<span class="text-orange-700" title="{}">{}</span>', text, ESTIMATED_HINT, ESTIMATED_NOTE)


# Join applications: the review queue


class OverdueFilter(admin.SimpleListFilter):
    title = "是否超期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", "已超期"), ("0", "未超期")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1":
            return queryset.filter(status=JoinApplication.Status.PENDING, deadline__lt=now)
        if self.value() == "0":
            return queryset.exclude(status=JoinApplication.Status.PENDING, deadline__lt=now)
        return queryset


class ReviewForm(forms.Form):
    ACTIONS = [("approve", "通过"), ("reject", "不通过"), ("forward", "转交")]
    action = forms.ChoiceField(label="审核意见", choices=ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(label="原因 / 说明", required=False, max_length=200,
                             widget=forms.Textarea(attrs={"rows": 2}))
    employer_id = forms.TypedChoiceField(label="确认所在单位（名称匹配到多家时）", required=False, coerce=int,
                                         empty_value=None)
    to = forms.ModelChoiceField(label="转交给", required=False, queryset=Organisation.objects.none())

    def __init__(self, *args, application: JoinApplication, user, **kwargs):
        super().__init__(*args, **kwargs)
        if application.candidates:
            self.fields["employer_id"].choices = [("", "请选择申请人所在的单位")] + [
                (c["id"], f"{c['name']}（{c['union_name'] or '未建会'}）") for c in application.candidates]
        else:
            del self.fields["employer_id"]
        self.fields["to"].empty_label = "请选择要转交的工会"
        county = Organisation.objects.filter(kind=Organisation.Kind.COUNTY,
                                             region_id=application.work_region_id[:6]).first()
        # The targets services.may_forward_to allows: unions in the reviewer's review scope, or back to the
        # township union. Anything else (missing or not allowed) is the same invalid choice.
        targets = scoped(Organisation.objects.filter(kind__in=Organisation.MEMBER_KINDS, status="active"), user,
                         roles=services.REVIEW_ROLES)
        if county is not None:
            targets = targets.filter(subtree_q(county.path))
        pks = list(targets.exclude(pk=application.union_id).order_by("path").values_list("pk", flat=True)[:500])
        back_to_town = services.township_union_to_return_to(application)
        if back_to_town is not None and back_to_town.pk != application.union_id:
            pks.append(back_to_town.pk)
        self.fields["to"].queryset = Organisation.objects.filter(pk__in=pks).order_by("path")

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "请填写不通过的原因，该原因将告知申请人")
        if data.get("action") == "forward" and not data.get("to"):
            self.add_error("to", "请选择转交的工会")
        return data


REGION_CODE_HINT = "请选择地区，或填写6位、9位或12位行政区划代码"


class OnBehalfForm(JoinForm):
    """The join fields, for a cadre filing for a worker (the portal's form without the poster token)."""

    # The work region as the cascader (a code; members.services checks its level and that it exists).
    work_region = forms.CharField(label="工作地区", max_length=12, error_messages={"required": "请选择工作地区"},
                                  validators=[RegexValidator(r"^\d{6}(\d{3}){0,2}$", REGION_CODE_HINT)],
                                  widget=region_widget(deepest="township"))
    ethnicity = forms.ChoiceField(label="民族", choices=[], required=False)
    address = forms.CharField(label="住址（选填）", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["source_token"]
        self.fields["ethnicity"].choices = coded("ethnicity")


ON_BEHALF_MEMBER = "该职工已是在册会员，无需重复入会；如需变更所在工会，请办理会籍转移"
BATCH_MAX = 100  # applications approved in one batch: each is one transaction with its card and notifications
BATCH_AMBIGUOUS = "申请填写的单位名称匹配到多家单位，请逐件审核并确认所在单位"


@admin.action(description="批量通过所选申请", permissions=["review"])
def approve_selected(modeladmin, request, queryset):
    """批量通过: a confirmation page lists the selected applications (masked); confirmed, each is approved through
    the same service as a single review (its own transaction, audit and notifications). A refused one is reported
    by name with the service's reason and the others are still approved; an application whose employer name matched
    several employers is left for a single review, where the reviewer chooses."""
    applications = list(queryset.select_related("union").order_by("deadline", "id")[:BATCH_MAX + 1])
    if len(applications) > BATCH_MAX:
        messages.error(request, f"一次最多批量通过 {BATCH_MAX} 件入会申请，请缩小选择范围")
        return None
    if not request.POST.get("confirm"):
        return TemplateResponse(request, "console/join_batch_confirm.html", {
            **modeladmin.admin_site.each_context(request), "title": "批量通过入会申请", "opts": modeladmin.opts,
            "rows": [{"pk": a.pk, "name": mask_name(a.name), "id_number": mask_id_number(a.id_number),
                      "employer": a.employer_name, "union": a.union.name, "submitted_at": a.submitted_at,
                      "deadline": a.deadline, "status": a.get_status_display(),
                      "note": _batch_note(a)} for a in applications],
            "action": "approve_selected", "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
    approved = 0
    for application in applications:
        label = f"{mask_name(application.name)}（{application.employer_name}）"
        if application.candidates:
            messages.error(request, f"{label}未通过：{BATCH_AMBIGUOUS}")
            continue
        try:
            run_service(services.approve_join_application, application, by=request.user)
        except Refused as refused:
            messages.error(request, f"{label}未通过：{'；'.join(refused.all_messages())}")
        else:
            approved += 1
    if approved:
        messages.success(request, f"已通过 {approved} 件入会申请，已为申请人发放会员卡号并通知本人")
    return None


def _batch_note(application: JoinApplication) -> str:
    """Why an application listed for the batch will not be approved by it (shown before anything happens)."""
    if application.status != JoinApplication.Status.PENDING:
        return f"该申请{application.get_status_display()}，将不会处理"
    if application.candidates:
        return BATCH_AMBIGUOUS
    return ""


@admin.register(JoinApplication, site=console_site)
class JoinApplicationAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "union_path"
    list_display = ["applicant_name", "employer_name", "union", "dispatch_reason", "submitted_at", "deadline_shown",
                    "status", "review_link"]
    list_filter = ["status", OverdueFilter, "dispatch_reason"]
    search_fields = ["employer_name"]
    ordering = ["deadline", "id"]
    export_columns = list_display[:-1]  # without the 审核 link
    export_clear = {"applicant_name": "name"}
    readonly_fields = ["applicant_name", "filed_by", "masked_id", "masked_phone", "employer_name",
                       "employer_credit_code",
                       "work_region", "employment_form", "gig_platform", "union", "dispatch_reason", "dispatch_note",
                       "candidates_shown", "submitted_at", "deadline_shown", "status", "decided_at", "reject_reason"]
    fields = readonly_fields
    change_list_template = "console/joinapplication_changelist.html"
    actions = [approve_selected]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("union", "work_region", "submitted_by")

    def has_review_permission(self, request):
        """Reviewers, chairs and administrators (each application's own right is the service's to check)."""
        user = request.user
        return is_unrestricted(user) or bool(managed_paths(user, roles=services.REVIEW_ROLES))

    def org_of(self, obj):
        return obj.union

    @admin.display(description="申请人")
    def applicant_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description="提交方式")
    def filed_by(self, obj):
        if obj.submitted_by_id:
            return f"工会干部代为申请（经办人：{obj.submitted_by}）"
        return "本人网上申请" if obj.applicant_id else "—"

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="候选单位")
    def candidates_shown(self, obj):
        return "、".join(f"{c['name']}（{c['union_name'] or '未建会'}）" for c in obj.candidates) or "-"

    @admin.display(description="审核期限", ordering="deadline")
    def deadline_shown(self, obj):
        text = timezone.localtime(obj.deadline).strftime("%Y-%m-%d")
        if obj.status == JoinApplication.Status.PENDING and obj.deadline < timezone.now():
            text = format_html('<span class="text-red-600 font-semibold">{}（已超期）</span>', text)
        return _with_estimate_mark(text, obj.deadline_estimated)

    @admin.display(description="操作")
    def review_link(self, obj):
        if obj.status != JoinApplication.Status.PENDING:
            return "—"
        return format_html('<a href="{}">审核</a>', reverse("console:members_joinapplication_review", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        root = scope_root(request.user)
        # The whole scope, which may hold several subtrees besides the root's; the breakdown is the root's children,
        # counted in one grouped query whatever their number.
        mine = scoped(overdue_join_applications(), request.user, field="union_path")
        breakdown = []
        if root is not None:
            breakdown = [(child.name, n) for child, n in overdue_counts(request.user, root).children if n]
        extra = {"overdue_total": mine.count(), "overdue_breakdown": breakdown,
                 "can_file_on_behalf": services.may_file_on_behalf(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_view),
                 name="members_joinapplication_review"),
            path("on-behalf/", self.admin_site.admin_view(self.on_behalf_view),
                 name="members_joinapplication_on_behalf"),
            *super().get_urls(),
        ]

    def review_view(self, request, pk):
        application = self.get_queryset(request).filter(pk=pk).first()
        if application is None:
            messages.warning(request, f"ID为“{pk}”的入会申请不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        form = ReviewForm(request.POST or None, application=application, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "approve":
                    membership = run_service(services.approve_join_application, application, by=request.user,
                                             employer_id=data.get("employer_id"), note=data.get("reason", ""))
                    messages.success(request, f"已通过，会员卡号 {membership.card_number}")
                elif data["action"] == "reject":
                    run_service(services.reject_join_application, application, by=request.user,
                                reason=data["reason"])
                    messages.success(request, "已不通过，原因已告知申请人")
                else:
                    run_service(services.forward_join_application, application, by=request.user, to=data["to"],
                                note=data.get("reason", ""))
                    messages.success(request, f"已转交“{data['to'].name}”")
            except Refused as refused:
                refused.show(request, form)
            else:
                return HttpResponseRedirect(reverse("console:members_joinapplication_changelist"))
        context = {**self.admin_site.each_context(request), "title": "审核入会申请", "application": application,
                   "estimated_note": ESTIMATED_NOTE, "estimated_hint": ESTIMATED_HINT,
                   "form": form, "opts": self.model._meta,
                   "masked": {"name": mask_name(application.name), "id": mask_id_number(application.id_number),
                              "phone": mask_phone(application.phone)}}
        return TemplateResponse(request, "console/join_review.html", context)

    def on_behalf_view(self, request):
        """代为申请入会: a cadre files for a worker; the application has no applicant account and records the cadre."""
        if not services.may_file_on_behalf(request.user):
            raise PermissionDenied("只有工会干部（审核员、主席或管理员）可以代为申请入会")
        form = OnBehalfForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                application, created = run_service(services.join_apply, by=request.user, on_behalf=True,
                                                   **form.cleaned_data)
            except Refused as refused:
                if refused.code == "already_member":
                    form.add_error("id_number", ON_BEHALF_MEMBER)
                else:
                    refused.show(request, form)
            else:
                visible = self.get_queryset(request).filter(pk=application.pk).exists()
                if created:
                    messages.success(request, f"已代为提交入会申请，由“{application.union.name}”受理")
                elif visible:
                    messages.info(request, f"该职工已有一份正在审核的入会申请，由“{application.union.name}”受理")
                else:
                    # Someone else's pending application outside the cadre's scope: nothing of it is shown.
                    messages.info(request, "该职工已有一份正在审核的入会申请，无需重复提交，请等待受理工会审核")
                if visible:
                    return HttpResponseRedirect(reverse("console:members_joinapplication_change",
                                                        args=[application.pk]))
                return HttpResponseRedirect(reverse("console:members_joinapplication_changelist"))
        context = {**self.admin_site.each_context(request), "title": "代为申请入会", "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "console/join_on_behalf.html", context)


# Transfers


class TransferActionForm(forms.Form):
    action = forms.ChoiceField(label="办理", widget=forms.RadioSelect, choices=[])
    reason = forms.CharField(label="原因 / 说明", required=False, max_length=200)


@admin.register(Transfer, site=console_site)
class TransferAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["person", "from_union", "to_union", "status", "created_at", "release_deadline_shown", "act_link"]
    list_filter = ["status"]
    export_columns = list_display[:-1]  # without the 办理 link
    export_clear = {"person": "person__name"}
    readonly_fields = ["person", "from_union", "to_union", "to_employer_name", "dispatch_reason", "dispatch_note",
                       "status", "created_at", "release_deadline_shown", "released_at", "completed_at", "reject_reason"]
    fields = readonly_fields
    ordering = ["-id"]

    def get_queryset(self, request):
        queryset = Transfer.objects.select_related("person", "from_union", "to_union")
        q_from, q_to = scope_q(request.user, field="from_path"), scope_q(request.user, field="to_path")
        return queryset if q_from is None else queryset.filter(q_from | q_to)

    def clear_export_queryset(self, request, queryset):
        """Transfers out of or into an org the cadre manages."""
        roles = Position.MANAGING_ROLES
        q_from = scope_q(request.user, field="from_path", roles=roles)
        return queryset if q_from is None else queryset.filter(
            q_from | scope_q(request.user, field="to_path", roles=roles))

    def org_of(self, obj):
        return obj.from_union

    @admin.display(description="转出期限", ordering="release_deadline")
    def release_deadline_shown(self, obj):
        return _with_estimate_mark(timezone.localtime(obj.release_deadline).strftime("%Y-%m-%d"),
                                   obj.release_deadline_estimated)

    @admin.display(description="操作")
    def act_link(self, obj):
        if obj.status in (Transfer.Status.COMPLETED, Transfer.Status.REJECTED, Transfer.Status.CANCELLED):
            return "—"
        return format_html('<a href="{}">办理</a>', reverse("console:members_transfer_act", args=[obj.pk]))

    def get_urls(self):
        return [path("<int:pk>/act/", self.admin_site.admin_view(self.act_view), name="members_transfer_act"),
                *super().get_urls()]

    def act_view(self, request, pk):
        transfer = self.get_queryset(request).filter(pk=pk).first()
        if transfer is None:
            messages.warning(request, f"ID为“{pk}”的会籍转移不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        labels = {"approve": "同意接收", "release": "同意转出", "accept": "接收", "reject": "不同意接收"}
        available = {t.action for t in services.TRANSFER_WORKFLOW.available(transfer, request.user)}
        if "release_and_complete" in available:
            available.add("release")
        choices = [(a, label) for a, label in labels.items() if a in available]
        form = TransferActionForm(request.POST or None)
        form.fields["action"].choices = choices
        if request.method == "POST" and form.is_valid():
            action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
            calls = {
                "approve": lambda: services.transfer_approve(transfer, by=request.user),
                "release": lambda: services.transfer_release(transfer, by=request.user, note=reason),
                "accept": lambda: services.transfer_accept(transfer, by=request.user),
                "reject": lambda: services.transfer_reject(transfer, by=request.user, reason=reason),
            }
            try:
                done = run_service(calls[action])
            except Refused as refused:
                refused.show(request, form)
            else:
                messages.success(request, f"已办理，当前状态：{done.get_status_display()}")
                return HttpResponseRedirect(reverse("console:members_transfer_changelist"))
        context = {**self.admin_site.each_context(request), "title": "办理会籍转移", "transfer": transfer,
                   "estimated_note": ESTIMATED_NOTE, "estimated_hint": ESTIMATED_HINT,
                   "form": form, "opts": self.model._meta, "nothing_to_do": not choices}
        return TemplateResponse(request, "console/transfer_act.html", context)


# Memberships, with the roster export actions (the roster pages themselves are in console/admin/roster.py)


@admin.action(description="导出所选会员名册（脱敏，Excel）")
def export_selected(modeladmin, request, queryset):
    try:
        content, _count = run_service(roster.export_roster, queryset.filter(status=Membership.Status.ACTIVE),
                                      by=request.user, org=scope_root(request.user))
    except Refused as refused:
        return refused.show(request)
    return xlsx_response(content, "会员名册（脱敏）.xlsx")


@admin.action(description="完整导出所选会员名册（需填写原因）")
def export_selected_full(modeladmin, request, queryset):
    """A confirmation page asks for the reason; the export covers active members the cadre manages."""
    queryset = scoped(queryset.filter(status=Membership.Status.ACTIVE), request.user, field="union_path",
                      roles=Position.MANAGING_ROLES)
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirm") and reason:
        try:
            content, _count = run_service(roster.export_roster, queryset, by=request.user, full=True, reason=reason,
                                          org=scope_root(request.user))
        except Refused as refused:
            return refused.show(request)
        return xlsx_response(content, "会员名册（完整）.xlsx")
    return TemplateResponse(request, "console/roster_export_confirm.html", {
        **modeladmin.admin_site.each_context(request), "title": "完整导出会员名册", "opts": modeladmin.model._meta,
        "count": queryset.count(), "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"), "action": "export_selected_full",
        "error": "请填写导出原因" if request.POST.get("confirm") else "",
    })


SEARCH_HINT = "按完整姓名、18位身份证号码、11位手机号码或会员卡号精确查找"


PEOPLE_SEARCH_NOTICE = "按身份证号或手机号查找请使用「<a href=\"{}\">查找人员</a>」"


class NumberSearchGuard:
    """Person and Membership lists: a full ID number or phone is not searched from a GET ?q=, which would put it in
    the URL, the web server's access logs and the browser history. console/search-guard.js sends such a term by POST
    to 查找人员 instead; without the script the list turns the GET away with a message pointing there and a redirect
    to itself without q (so the number is not drawn into the page or its further links)."""

    @property
    def media(self):
        guard = Script("console/search-guard.js", **{"data-people-search": reverse("console:people_search")})
        return super().media + forms.Media(js=[guard])

    def _turn_away(self, request, to: str):
        """A redirect to `to` without q, when the GET's q holds a full ID number or phone; else None."""
        query = parse_term(request.GET.get(SEARCH_VAR, ""))
        if query is None or not query.audited:
            return None
        messages.warning(request, format_html(PEOPLE_SEARCH_NOTICE, reverse("console:people_search")))
        kept = request.GET.copy()
        del kept[SEARCH_VAR]
        return HttpResponseRedirect(f"{to}?{kept.urlencode()}" if kept else to)

    def changelist_view(self, request, extra_context=None):
        return self._turn_away(request, request.path) or super().changelist_view(request, extra_context)

    # The exports of the current results read the same q (a hand-made URL could carry a number): turned away alike.

    def _list_url(self) -> str:
        return reverse(f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def export_current_view(self, request):
        return self._turn_away(request, self._list_url()) or super().export_current_view(request)

    def export_current_full_view(self, request):
        return self._turn_away(request, self._list_url()) or super().export_current_full_view(request)


def _exact_search(request, search, queryset, term, *, where):
    """The changelists' search box: members.search's exact look-ups (blind indexes for the numbers), audited for a
    full ID number or phone like 查找人员."""
    query, found = search(queryset, term)
    if query is not None and query.audited:
        audit_search(query, by=request.user, org=scope_root(request.user), results=found.count(), where=where)
    return found, False


@admin.register(Membership, site=console_site)
class MembershipAdmin(NumberSearchGuard, ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = "union_path"
    # The (union_path, id) index serves this order, so the first page is a short index walk for any scope;
    # "newest first" would sort the whole scope (4.6 s for a province of 1M members on SQLite).
    ordering = ["union_path", "id"]
    list_display = ["card_number", "person_name", "union", "since", "status", "provisional"]
    list_filter = ["status", "provisional"]
    search_fields = ["card_number"]  # shows the search box; the look-ups are members.search's
    search_help_text = SEARCH_HINT
    export_clear = {"person_name": "person__name"}
    readonly_fields = ["card_number", "person", "union", "since", "status", "ended_on", "provisional"]
    fields = readonly_fields
    actions = [export_selected, export_selected_full]

    @admin.display(description="姓名")
    def person_name(self, obj):
        return str(obj.person)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "union")

    def get_search_results(self, request, queryset, search_term):
        return _exact_search(request, search_memberships, queryset, search_term, where="console.membership_list")

    def org_of(self, obj):
        return obj.union


# People: masked by default; revealing is audited.


@admin.register(Person, site=console_site)
class PersonAdmin(NumberSearchGuard, ReadOnlyAdminMixin, ScopedAdmin):
    scope_field = None
    list_display = ["masked_name", "masked_id", "masked_phone", "sex", "birth_date", "employment_form"]
    list_filter = ["sex", "employment_form"]
    search_fields = ["name"]  # shows the search box; the look-ups are members.search's
    search_help_text = SEARCH_HINT
    export_clear = {"masked_name": "name", "masked_id": "id_number", "masked_phone": "phone"}
    fields = ["masked_name", "masked_id", "masked_phone", "sex", "birth_date", "ethnicity", "education",
              "political_status", "employment_form", "employer", "reveal"]
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name(self, obj):
        return str(obj)

    @admin.display(description="身份证号码")
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description="手机号码")
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description="完整信息")
    def reveal(self, obj):
        url = reverse("console:members_person_reveal", args=[obj.pk])
        return format_html('<a class="text-primary-600" href="{}">查看完整信息（将记录审计日志）</a>', url)

    def get_search_results(self, request, queryset, search_term):
        return _exact_search(request, search_people, queryset, search_term, where="console.person_list")

    def get_queryset(self, request):
        qs = Person.objects.all()
        if is_unrestricted(request.user):
            return qs
        memberships = scoped(Membership.objects.filter(person=OuterRef("pk"), status=Membership.Status.ACTIVE),
                             request.user, field="union_path")
        return qs.filter(Exists(memberships))

    def clear_export_queryset(self, request, queryset):
        """People with an active membership of a union the cadre manages."""
        if is_unrestricted(request.user):
            return queryset
        memberships = scoped(Membership.objects.filter(person=OuterRef("pk"), status=Membership.Status.ACTIVE),
                             request.user, field="union_path", roles=Position.MANAGING_ROLES)
        return queryset.filter(Exists(memberships))

    def get_urls(self):
        return [
            path("<int:pk>/reveal/", self.admin_site.admin_view(self.reveal_view), name="members_person_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, pk):
        person = self.get_queryset(request).filter(pk=pk).first()
        if person is None:
            messages.warning(request, f"ID为“{pk}”的职工不存在。也许它已被删除？")
            return HttpResponseRedirect(reverse("console:index"))
        reason = request.POST.get("reason", "").strip()
        if request.method == "POST" and not reason:
            messages.error(request, "请填写查看原因")
        elif request.method == "POST":
            membership = active_membership(person)
            log_event("members.person.reveal", actor=request.user, target=person,
                      org=membership.union if membership else None,
                      data={"fields": ["id_number", "phone", "address"], "reason": reason[:200]})
            return render(request, "console/reveal.html", {
                **self.admin_site.each_context(request), "person": person, "revealed": True, "title": "完整信息",
            })
        return render(request, "console/reveal.html", {
            **self.admin_site.each_context(request), "person": person, "revealed": False, "title": "查看完整信息",
        })
