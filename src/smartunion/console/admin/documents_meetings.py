"""Console pages of the office platform: the meetings part (会议管理).

- 会议室 (RoomAdmin): the rooms of the cadre's subtree; add and edit (停用 by unticking 启用) by the chairs and
  administrators of the room's org or above; a room's week of bookings.
- 会议 (MeetingAdmin): the meetings hosted in the subtree, with filters (status, upcoming or past) and search; the
  schedule form (a clash is shown on the form, naming the meeting that holds the room); the detail with the
  notices and their receipts and sign-ins (counts and the list), reschedule, more invitees, cancel (confirmed),
  finish, 补签, the QR to show on a screen, minutes and action items.
- 我的会议 (InvitationAdmin): the notices to the cadre and to the orgs they answer for, with the receipt buttons.
- 签到 (phone page): GET /console/documents/meeting/checkin/<token>/ shows the meeting and a 签到 button. Invitees
  are cadres with console accounts, so the page is a console page (login first, then back to it); it stands on its
  own, without the console's sidebar, and fits a 390px screen.
- 督办事项 (ActionItemAdmin): the cadre's own action items, and for chairs and administrators those of their
  subtree's meetings; overdue ones flagged; 办结 with a result.
- Workbench queues: 待回执会议 and 督办事项 (one query each; overdue items are flagged on the list).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from smartunion.console.admin.base import ReadOnlyAdminMixin, Refused, ScopedAdmin, run_service
from smartunion.console.site import console_site
from smartunion.console.workbench import Queue, changelist, register
from smartunion.core.errors import NotFound
from smartunion.core.qr import qr_svg
from smartunion.documents import rules_meetings as rules
from smartunion.documents.models import ActionItem, Invitation, Meeting, Room
from smartunion.documents.queries import meetings as queries
from smartunion.documents.services import meetings as services
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import held_positions, is_unrestricted

HALF_HOURS = [(f"{h:02d}:{m:02d}", f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 30)]
END_TIMES = [*HALF_HOURS[1:], ("24:00", "24:00（次日零时）")]
BUTTON = "bg-primary-600 text-white px-4 py-2 rounded-default"


def _managed_orgs(user):
    """The orgs where the user is a chair or administrator (the hosts they may pick)."""
    if is_unrestricted(user):
        return Organisation.objects.filter(status=Organisation.Status.ACTIVE, depth__lte=3).order_by("path")
    ids = {org_id for role, _, _, org_id in held_positions(user) if role in rules.MANAGING}
    return Organisation.objects.filter(pk__in=ids, status=Organisation.Status.ACTIVE).order_by("path")


def _invitable_orgs(user):
    """The managed orgs and the orgs directly below them (city federations for the province, and so on)."""
    managed = list(_managed_orgs(user).values_list("pk", flat=True))
    return (Organisation.objects.filter(Q(pk__in=managed) | Q(parent_id__in=managed), status=Organisation.Status.ACTIVE)
            .order_by("path"))


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    if hhmm == "24:00":
        day, hhmm = day + dt.timedelta(days=1), "00:00"
    hour, minute = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _users_named(text: str) -> list[int]:
    """Accounts by username or phone, one per line or separated by commas (参会人)."""
    names = [n.strip() for n in text.replace("，", ",").replace("\n", ",").split(",") if n.strip()]
    if not names:
        return []
    User = get_user_model()
    found = {u.username: u.pk for u in User.objects.filter(username__in=names, is_active=True)}
    found.update({u.phone: u.pk for u in User.objects.filter(phone__in=names, is_active=True) if u.phone})
    missing = [n for n in names if n not in found]
    if missing:
        raise forms.ValidationError(f"找不到账号：{'、'.join(missing)}")
    return sorted({found[n] for n in names})


# Forms -------------------------------------------------------------------------------------------------------------


class RoomForm(forms.Form):
    org = forms.ModelChoiceField(Organisation.objects.none(), label="所属单位")
    name = forms.CharField(label="会议室名称", max_length=50)
    location = forms.CharField(label="位置", max_length=100, required=False)
    capacity = forms.IntegerField(label="容纳人数", min_value=1, max_value=2000, initial=10)
    active = forms.BooleanField(label="启用", required=False, initial=True,
                                help_text="停用后不能再预订，已预订的会议不受影响")

    def __init__(self, *args, user, room=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = _managed_orgs(user)
        if room is not None:
            del self.fields["org"]
        else:
            del self.fields["active"]


class WhenForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.ChoiceField(label="开始时间", choices=HALF_HOURS, initial="09:00")
    end = forms.ChoiceField(label="结束时间", choices=END_TIMES, initial="10:00",
                            help_text="会议按半小时预订会议室，最长24小时")
    room = forms.ModelChoiceField(Room.objects.none(), label="会议室", required=False)
    place = forms.CharField(label="或会外地点", max_length=100, required=False, help_text="不使用会议室时填写")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = queries.bookable_rooms(user)

    def times(self) -> tuple[dt.datetime, dt.datetime]:
        day = self.cleaned_data["day"]
        return _at(day, self.cleaned_data["start"]), _at(day, self.cleaned_data["end"])


class ScheduleForm(WhenForm):
    org = forms.ModelChoiceField(Organisation.objects.none(), label="主办单位")
    title = forms.CharField(label="会议名称", max_length=200)
    agenda = forms.CharField(label="议程", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reply_due = forms.DateTimeField(label="回执截止", required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    help_text="不填则截至会议开始")
    people = forms.CharField(label="参会人", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="填写账号用户名或手机号，多个用逗号或换行分隔")
    orgs = forms.ModelMultipleChoiceField(Organisation.objects.none(), label="参会单位", required=False,
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text="通知发给该单位的主席、管理员，由其回执")

    field_order = ["org", "title", "agenda", "day", "start", "end", "room", "place", "reply_due", "people", "orgs"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["org"].queryset = _managed_orgs(user)
        self.fields["orgs"].queryset = _invitable_orgs(user)

    def clean_people(self):
        return _users_named(self.cleaned_data.get("people", ""))


class NotifyForm(forms.Form):
    people = forms.CharField(label="参会人", required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="填写账号用户名或手机号，多个用逗号或换行分隔")
    orgs = forms.ModelMultipleChoiceField(Organisation.objects.none(), label="参会单位", required=False,
                                          widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].queryset = _invitable_orgs(user)

    def clean_people(self):
        return _users_named(self.cleaned_data.get("people", ""))


class ReplyForm(forms.Form):
    reply = forms.ChoiceField(label="回执", widget=forms.RadioSelect,
                              choices=[(c.value, c.label) for c in (Invitation.Reply.ATTEND, Invitation.Reply.DELEGATE,
                                                                   Invitation.Reply.ABSENT)])
    delegate_name = forms.CharField(label="委派人员姓名", max_length=50, required=False)
    reason = forms.CharField(label="请假事由", max_length=200, required=False)


class MinutesForm(forms.Form):
    body = forms.CharField(label="纪要", widget=forms.Textarea(attrs={"rows": 10}), max_length=20000)
    file = forms.FileField(label="附件", required=False, help_text="PDF 或图片，20 MB 以内；重新上传即替换")


class ActionItemForm(forms.Form):
    title = forms.CharField(label="督办事项", max_length=200)
    owner = forms.CharField(label="责任人", max_length=150, help_text="账号用户名或手机号")
    due_on = forms.DateField(label="完成期限", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_owner(self):
        ids = _users_named(self.cleaned_data.get("owner", ""))
        if len(ids) != 1:
            raise forms.ValidationError("请填写一名责任人")
        return get_user_model().objects.get(pk=ids[0])


class DoneForm(forms.Form):
    result = forms.CharField(label="完成情况", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=200, required=False,
                             help_text="将随取消通知发给参会人和参会单位")


# Pages shared ------------------------------------------------------------------------------------------------------


class _Pages:
    """Page helpers of the three ModelAdmins below (each sets admin_site and model)."""

    def _page(self, request, template, **context):
        return TemplateResponse(request, template, {**self.admin_site.each_context(request),
                                                    "opts": self.model._meta, **context})

    def _form_page(self, request, form, *, title, submit, back, multipart=False, intro=""):
        return self._page(request, "console/documents_meetings_form.html", title=title, form=form, submit=submit,
                          back=back, multipart=multipart, intro=intro)


def _refused_on(form, call, *args, **kwargs):
    """Run a service for a form; a refusal is shown on the form and None returned."""
    try:
        return run_service(call, *args, **kwargs)
    except Refused as refused:
        refused.show(None, form)
        return None


# Rooms -------------------------------------------------------------------------------------------------------------


@admin.register(Room, site=console_site)
class RoomAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """会议室."""

    scope_field = "org_path"
    list_display = ["name", "org", "location", "capacity", "active", "links"]
    list_display_links = None
    list_filter = ["active"]
    search_fields = ["name", "location"]
    search_help_text = "按会议室名称或位置查找"
    ordering = ["org_path", "name"]
    change_list_template = "console/documents_meetings_room_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org")

    def get_export_columns(self, request):
        return ["name", "org", "location", "capacity", "active"]

    @admin.display(description="操作")
    def links(self, obj):
        week = reverse("console:documents_room_week", args=[obj.pk])
        edit = reverse("console:documents_room_edit", args=[obj.pk])
        return format_html('<a href="{}">本周预订</a> · <a href="{}">编辑</a>', week, edit)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("add-room/", view(self.add_room_view), name="documents_room_add_room"),
                path("<int:pk>/edit/", view(self.edit_view), name="documents_room_edit"),
                path("<int:pk>/week/", view(self.week_view), name="documents_room_week"),
                *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        context = {"add_room_url": reverse("console:documents_room_add_room")
                   if rules.may_organise_anywhere(request.user) else "", **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("console:documents_room_week", args=[object_id]))

    def _room(self, request, pk) -> Room:
        try:
            return queries.room_for(request.user, pk)
        except NotFound as exc:
            raise Http404("会议室不存在") from exc

    def add_room_view(self, request):
        back = reverse("console:documents_room_changelist")
        form = RoomForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            room = _refused_on(form, services.create_room, by=request.user, org=data["org"], name=data["name"],
                               location=data["location"], capacity=data["capacity"])
            if room is not None:
                messages.success(request, f"已新增会议室“{room.name}”")
                return HttpResponseRedirect(back)
        return self._form_page(request, form, title="新增会议室", submit="保存", back=back)

    def edit_view(self, request, pk):
        room = self._room(request, pk)
        back = reverse("console:documents_room_changelist")
        if not rules.can_manage_rooms(request.user, room.org):
            messages.error(request, "只有本单位或上级单位的主席、管理员可以管理会议室")
            return HttpResponseRedirect(back)
        initial = {"name": room.name, "location": room.location, "capacity": room.capacity, "active": room.active}
        form = RoomForm(request.POST or None, user=request.user, room=room, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            saved = _refused_on(form, services.update_room, room, by=request.user, name=data["name"],
                                location=data["location"], capacity=data["capacity"], active=data["active"])
            if saved is not None:
                messages.success(request, f"已保存会议室“{saved.name}”")
                return HttpResponseRedirect(back)
        return self._form_page(request, form, title=f"编辑会议室：{room.name}", submit="保存", back=back)

    def week_view(self, request, pk):
        """A room's bookings in one week (Monday to Sunday), with the previous and next weeks."""
        room = self._room(request, pk)
        try:
            day = dt.date.fromisoformat(request.GET.get("week", ""))
        except ValueError:
            day = timezone.localdate()
        monday = queries.week_start(day)
        found = queries.room_week(room, monday)
        days = []
        for offset in range(7):
            date = monday + dt.timedelta(days=offset)
            rows = [m for m in found if timezone.localtime(m.starts_at).date() <= date
                    <= timezone.localtime(m.ends_at - dt.timedelta(seconds=1)).date()]
            days.append({"date": date, "weekday": "一二三四五六日"[offset], "meetings": rows})
        return self._page(request, "console/documents_meetings_week.html", title=f"{room.name}：会议室预订",
                          room=room, days=days, monday=monday, sunday=monday + dt.timedelta(days=6),
                          previous=(monday - dt.timedelta(days=7)).isoformat(),
                          next=(monday + dt.timedelta(days=7)).isoformat(),
                          schedule_url=reverse("console:documents_meeting_schedule"))


# Meetings ----------------------------------------------------------------------------------------------------------


class WhenFilter(admin.SimpleListFilter):
    title = "时间"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "未开始"), ("today", "今天"), ("past", "已开始或已过")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "past":
            return queryset.filter(starts_at__lte=now)
        if self.value() == "today":
            start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(0)))
            return queryset.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        return queryset


def _notice_target(invitation: Invitation) -> str:
    return invitation.org.name if invitation.org_id else str(invitation.user)


@admin.register(Meeting, site=console_site)
class MeetingAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """会议: the meetings hosted in the cadre's subtree."""

    scope_field = "org_path"
    list_display = ["title", "org", "when", "where", "status", "detail_link"]
    list_display_links = None
    list_filter = ["status", WhenFilter]
    search_fields = ["title"]
    search_help_text = "按会议名称查找"
    ordering = ["-starts_at", "-id"]
    change_list_template = "console/documents_meetings_changelist.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("org", "room")

    def get_export_columns(self, request):
        return ["title", "org", "when", "where", "status"]

    @admin.display(description="时间", ordering="starts_at")
    def when(self, obj):
        return services.when_text(obj)

    @admin.display(description="地点")
    def where(self, obj):
        return services.where_text(obj)

    @admin.display(description="操作")
    def detail_link(self, obj):
        return format_html('<a href="{}">详情</a>', reverse("console:documents_meeting_detail", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("schedule/", view(self.schedule_view), name="documents_meeting_schedule"),
            path("checkin/<str:token>/", view(self.checkin_view), name="documents_meeting_checkin"),
            path("<int:pk>/detail/", view(self.detail_view), name="documents_meeting_detail"),
            path("<int:pk>/reschedule/", view(self.reschedule_view), name="documents_meeting_reschedule"),
            path("<int:pk>/notify/", view(self.notify_view), name="documents_meeting_notify"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="documents_meeting_cancel"),
            path("<int:pk>/finish/", view(self.finish_view), name="documents_meeting_finish"),
            path("<int:pk>/qr/", view(self.qr_view), name="documents_meeting_qr"),
            path("<int:pk>/minutes/", view(self.minutes_view), name="documents_meeting_minutes"),
            path("<int:pk>/minutes/file/", view(self.minutes_file_view), name="documents_meeting_minutes_file"),
            path("<int:pk>/action-item/", view(self.action_item_view), name="documents_meeting_action_item"),
            path("invitations/<int:invitation_id>/reply/", view(self.reply_view), name="documents_meeting_reply"),
            path("<int:pk>/invitations/<int:invitation_id>/present/", view(self.present_view),
                 name="documents_meeting_present"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"schedule_url": reverse("console:documents_meeting_schedule")
                   if rules.may_organise_anywhere(request.user) else "",
                   "mine_url": reverse("console:documents_invitation_changelist"),
                   "items_url": reverse("console:documents_actionitem_changelist"),
                   "rooms_url": reverse("console:documents_room_changelist"), **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not str(object_id).isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("console:documents_meeting_detail", args=[object_id]))

    def _meeting(self, request, pk) -> Meeting:
        try:
            return queries.meeting_for(request.user, pk)
        except NotFound as exc:
            raise Http404("会议不存在") from exc

    def _detail_url(self, meeting) -> str:
        return reverse("console:documents_meeting_detail", args=[meeting.pk])

    def _organiser_only(self, request, meeting) -> HttpResponseRedirect | None:
        if rules.can_organise(request.user, meeting):
            return None
        messages.error(request, "只有主办单位或上级单位的主席、管理员可以办理")
        return HttpResponseRedirect(self._detail_url(meeting))

    # Schedule and change

    def schedule_view(self, request):
        form = ScheduleForm(request.POST or None, user=request.user, initial={
            "room": request.GET.get("room"), "day": timezone.localdate() + dt.timedelta(days=1)})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            starts_at, ends_at = form.times()
            meeting = _refused_on(
                form, services.schedule, by=request.user, org=data["org"], title=data["title"],
                agenda=data["agenda"], room=data["room"], place=data["place"], starts_at=starts_at, ends_at=ends_at,
                reply_due_at=data["reply_due"], user_ids=data["people"], org_ids=[o.pk for o in data["orgs"]])
            if meeting is not None:
                messages.success(request, f"已安排会议“{meeting.title}”并发送通知")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title="安排会议", submit="安排并发送通知",
                               back=reverse("console:documents_meeting_changelist"))

    def reschedule_view(self, request, pk):
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        form = WhenForm(request.POST or None, user=request.user, initial={
            "day": start.date(), "start": f"{start:%H:%M}", "room": meeting.room_id, "place": meeting.place,
            "end": "24:00" if end.date() > start.date() else f"{end:%H:%M}"})
        if request.method == "POST" and form.is_valid():
            starts_at, ends_at = form.times()
            moved = _refused_on(form, services.reschedule, meeting, by=request.user, starts_at=starts_at,
                                ends_at=ends_at, room=form.cleaned_data["room"], place=form.cleaned_data["place"])
            if moved is not None:
                messages.success(request, "已调整会议时间地点并通知参会人")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title=f"调整会议：{meeting.title}", submit="调整并通知",
                               back=self._detail_url(meeting))

    def notify_view(self, request, pk):
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        form = NotifyForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            added = _refused_on(form, services.notify, meeting, by=request.user, user_ids=form.cleaned_data["people"],
                                org_ids=[o.pk for o in form.cleaned_data["orgs"]])
            if added is not None:
                messages.success(request, f"已向 {len(added)} 个新的参会人或单位发送通知")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title=f"追加通知：{meeting.title}", submit="发送通知",
                               back=self._detail_url(meeting), intro="已通知过的参会人和单位不会重复通知。")

    def cancel_view(self, request, pk):
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = _refused_on(form, services.cancel, meeting, by=request.user, reason=form.cleaned_data["reason"])
            if done is not None:
                messages.success(request, f"已取消会议“{meeting.title}”，会议室已释放，参会人已收到通知")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title=f"取消会议：{meeting.title}", submit="确定取消会议",
                               back=self._detail_url(meeting),
                               intro=f"将取消{services.when_text(meeting)}在{services.where_text(meeting)}召开的会议，"
                                     "释放会议室并通知全部参会人和参会单位。此操作不能撤销。")

    def finish_view(self, request, pk):
        meeting = self._meeting(request, pk)
        if request.method == "POST":
            try:
                run_service(services.finish, meeting, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, "会议已结束")
        return HttpResponseRedirect(self._detail_url(meeting))

    def present_view(self, request, pk, invitation_id):
        """补签 (POST): the organiser records an invitee present."""
        meeting = self._meeting(request, pk)
        invitation = meeting.invitations.filter(pk=invitation_id).first()
        if invitation is None:
            raise Http404("会议通知不存在")
        if request.method == "POST":
            try:
                run_service(services.mark_present, invitation, by=request.user)
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已为“{_notice_target(invitation)}”补签")
        return HttpResponseRedirect(self._detail_url(meeting))

    # Detail

    def detail_view(self, request, pk):
        meeting = self._meeting(request, pk)
        user = request.user
        organiser = rules.can_organise(user, meeting)
        mine = services.invitation_for(user, meeting)
        items = list(meeting.action_items.select_related("owner").order_by("status", "due_on", "pk"))
        today = timezone.localdate()
        minutes = getattr(meeting, "minutes", None) if _has_minutes(meeting) else None
        context = {
            "title": meeting.title, "meeting": meeting, "when": services.when_text(meeting),
            "where": services.where_text(meeting), "organiser": organiser, "tally": queries.tally(meeting),
            "invitations": [(i, _notice_target(i)) for i in queries.invitations_of(meeting)],
            "mine": mine, "mine_target": _notice_target(mine) if mine else "",
            "reply_form": ReplyForm(initial={"reply": mine.reply if mine and mine.reply != "pending" else "attend",
                                             "delegate_name": mine.delegate_name if mine else "",
                                             "reason": mine.reason if mine else ""}) if mine else None,
            "reply_open": bool(mine) and meeting.status == Meeting.Status.SCHEDULED
            and timezone.now() <= (meeting.reply_due_at or meeting.starts_at),
            "items": [(i, services.is_overdue(i, today=today)) for i in items], "minutes": minutes,
            "may_finish": organiser and meeting.status == Meeting.Status.SCHEDULED
            and timezone.now() >= meeting.starts_at,
            "scheduled": meeting.status == Meeting.Status.SCHEDULED,
            "begun": timezone.now() >= meeting.starts_at and meeting.status != Meeting.Status.CANCELLED,
            "may_mark": organiser and meeting.status != Meeting.Status.CANCELLED
            and timezone.now() >= services.checkin_window(meeting)[0],
        }
        return self._page(request, "console/documents_meetings_detail.html", **context)

    def qr_view(self, request, pk):
        """The QR to show on the meeting room's screen: scanning it opens the phone sign-in page."""
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        url = request.build_absolute_uri(reverse("console:documents_meeting_checkin",
                                                 args=[services.checkin_token(meeting)]))
        opens, closes = services.checkin_window(meeting)
        return self._page(request, "console/documents_meetings_qr.html", title=f"签到：{meeting.title}",
                          meeting=meeting, qr=qr_svg(url), url=url, opens=opens, closes=closes,
                          tally=queries.tally(meeting), when=services.when_text(meeting),
                          where=services.where_text(meeting))

    def minutes_view(self, request, pk):
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        current = getattr(meeting, "minutes", None) if _has_minutes(meeting) else None
        form = MinutesForm(request.POST or None, request.FILES or None,
                           initial={"body": current.body if current else ""})
        if request.method == "POST" and form.is_valid():
            saved = _refused_on(form, services.save_minutes, meeting, by=request.user,
                                body=form.cleaned_data["body"], file=form.cleaned_data.get("file"))
            if saved is not None:
                messages.success(request, "已保存会议纪要")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title=f"会议纪要：{meeting.title}", submit="保存纪要",
                               back=self._detail_url(meeting), multipart=True)

    def minutes_file_view(self, request, pk):
        meeting = self._meeting(request, pk)
        minutes = getattr(meeting, "minutes", None) if _has_minutes(meeting) else None
        if minutes is None or not minutes.file:
            raise Http404("纪要没有附件")
        name = f"{meeting.title}-纪要{minutes.file.name[minutes.file.name.rfind('.'):]}"
        return FileResponse(minutes.file.open("rb"), as_attachment=True, filename=name)

    def action_item_view(self, request, pk):
        meeting = self._meeting(request, pk)
        refused = self._organiser_only(request, meeting)
        if refused:
            return refused
        form = ActionItemForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            item = _refused_on(form, services.add_action_item, meeting, by=request.user, title=data["title"],
                               owner=data["owner"], due_on=data["due_on"])
            if item is not None:
                messages.success(request, f"已布置督办事项“{item.title}”")
                return HttpResponseRedirect(self._detail_url(meeting))
        return self._form_page(request, form, title=f"布置督办事项：{meeting.title}", submit="布置",
                               back=self._detail_url(meeting))

    # Receipts, my meetings, sign-in

    def reply_view(self, request, invitation_id):
        try:
            invitation = queries.invitation_for_reply(request.user, invitation_id)
        except NotFound as exc:
            raise Http404("会议通知不存在") from exc
        back = request.POST.get("next") or reverse("console:documents_invitation_changelist")
        if not back.startswith("/") or back.startswith("//"):
            back = reverse("console:documents_invitation_changelist")
        form = ReplyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                done = run_service(services.reply, invitation, by=request.user, answer=data["reply"],
                                   delegate_name=data["delegate_name"], reason=data["reason"])
            except Refused as refused:
                refused.show(request)
            else:
                messages.success(request, f"已回执“{done.meeting.title}”：{done.get_reply_display()}")
            return HttpResponseRedirect(back)
        return HttpResponseRedirect(back)

    def checkin_view(self, request, token):
        """The phone page the meeting's QR opens: the meeting and a 签到 button (POST signs in)."""
        try:
            meeting = services.meeting_of_token(token)
        except NotFound:
            return TemplateResponse(request, "console/documents_meetings_checkin.html",
                                    {"error": "签到码无效，请重新扫描会场的签到二维码"}, status=404)
        invitation = services.invitation_for(request.user, meeting)
        result, error = None, ""
        if request.method == "POST":
            try:
                result = run_service(services.sign_in, by=request.user, token=token)
            except Refused as refused:
                error = "；".join(refused.all_messages())
            else:
                invitation = result.invitation
        elif invitation is None:
            error = "您不在本次会议的参会名单中"
        elif invitation.signed_in_at is None:
            try:  # before the window opens (or after it closed) the page says so instead of offering the button
                run_service(services.check_window, meeting)
            except Refused as refused:
                error = "；".join(refused.all_messages())
        return TemplateResponse(request, "console/documents_meetings_checkin.html", {
            "meeting": meeting, "when": services.when_text(meeting), "where": services.where_text(meeting),
            "invitation": invitation, "target": _notice_target(invitation) if invitation else "",
            "result": result, "error": error, "name": str(request.user)})


def _has_minutes(meeting: Meeting) -> bool:
    try:
        meeting.minutes  # noqa: B018  (the reverse one-to-one raises when there is none)
    except Meeting.minutes.RelatedObjectDoesNotExist:
        return False
    return True


# My meetings -----------------------------------------------------------------------------------------------------


class PendingFilter(admin.SimpleListFilter):
    title = "回执"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("1", "待回执（未过截止时间）")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=queries.my_invitations(request.user, pending=True).values("pk"))
        return queryset


@admin.register(Invitation, site=console_site)
class InvitationAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """我的会议: the notices to the cadre and to the orgs they answer for, with the receipt buttons."""

    scope_field = None
    list_display_links = None
    list_filter = [PendingFilter, "reply"]
    search_fields = ["meeting__title"]
    search_help_text = "按会议名称查找"
    ordering = ["-meeting__starts_at", "id"]

    def get_queryset(self, request):
        return queries.my_invitations(request.user)

    def clear_export_queryset(self, request, queryset):
        return queryset.none()

    def get_list_display(self, request):
        token = get_token(request)
        now = timezone.now()
        path_ = request.get_full_path()

        def buttons(obj):
            meeting = obj.meeting
            if meeting.status != Meeting.Status.SCHEDULED or now > (meeting.reply_due_at or meeting.starts_at):
                return ""
            return format_html(
                '<form method="post" action="{}" class="flex flex-wrap gap-1 items-center">'
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="next" '
                'value="{}"><button type="submit" name="reply" value="attend" class="bg-primary-600 text-white '
                'px-2 py-1 rounded-default">参加</button><input name="delegate_name" maxlength="50" '
                'placeholder="委派人员姓名" aria-label="委派人员姓名" class="border rounded-default px-1 w-28">'
                '<button type="submit" name="reply" value="delegate" class="border px-2 py-1 rounded-default">委派'
                '</button><input name="reason" maxlength="200" placeholder="请假事由" aria-label="请假事由" '
                'class="border rounded-default px-1 w-28"><button type="submit" name="reply" value="absent" '
                'class="border px-2 py-1 rounded-default">请假</button></form>',
                reverse("console:documents_meeting_reply", args=[obj.pk]), token, path_)
        buttons.short_description = "回执操作"  # type: ignore[attr-defined]
        return ["meeting_link", "when", "host", "target", "reply_shown", "due", buttons]

    def get_export_columns(self, request):
        return ["meeting_link", "when", "host", "target", "reply_shown", "due"]

    @admin.display(description="会议")
    def meeting_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("console:documents_meeting_detail", args=[obj.meeting_id]),
                           obj.meeting.title)

    @admin.display(description="时间地点")
    def when(self, obj):
        return f"{services.when_text(obj.meeting)} {services.where_text(obj.meeting)}"

    @admin.display(description="主办单位")
    def host(self, obj):
        return obj.meeting.org.name

    @admin.display(description="通知对象")
    def target(self, obj):
        return f"{obj.org.name}（单位）" if obj.org_id else "本人"

    @admin.display(description="回执")
    def reply_shown(self, obj):
        extra = obj.delegate_name or obj.reason
        text = f"{obj.get_reply_display()}：{extra}" if extra else obj.get_reply_display()
        if obj.meeting.status == Meeting.Status.CANCELLED:
            text += "（会议已取消）"
        return text

    @admin.display(description="回执截止")
    def due(self, obj):
        return f"{timezone.localtime(obj.meeting.reply_due_at or obj.meeting.starts_at):%m-%d %H:%M}"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise Http404


# Action items --------------------------------------------------------------------------------------------------------


class ItemScopeFilter(admin.SimpleListFilter):
    title = "范围"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        rows = [("mine", "我负责的")]
        if rules.may_organise_anywhere(request.user):
            rows.append(("org", "本级及下级会议的"))
        return rows

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(owner_id=request.user.pk)
        if self.value() == "org":
            return queryset.filter(pk__in=queries.org_action_items(request.user).values("pk"))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("1", "已逾期")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queries.overdue(queryset)
        return queryset


@admin.register(ActionItem, site=console_site)
class ActionItemAdmin(_Pages, ReadOnlyAdminMixin, ScopedAdmin):
    """督办事项: the cadre's own, and for chairs and administrators those of their subtree's meetings."""

    scope_field = None
    list_display = ["title", "meeting_link", "owner_shown", "due_shown", "status", "result", "act"]
    list_display_links = None
    list_filter = [ItemScopeFilter, "status", OverdueFilter]
    search_fields = ["title", "meeting__title"]
    search_help_text = "按事项或会议名称查找"
    ordering = ["status", "due_on", "id"]

    def get_queryset(self, request):
        user = request.user
        mine = Q(owner_id=user.pk)
        org = queries.org_action_items(user).values("pk")
        return (ActionItem.objects.filter(mine | Q(pk__in=org))
                .select_related("meeting", "owner", "org"))

    def clear_export_queryset(self, request, queryset):
        return queryset.none()

    def get_export_columns(self, request):
        return ["title", "meeting_link", "owner_shown", "due_on", "status", "result"]

    @admin.display(description="会议")
    def meeting_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("console:documents_meeting_detail", args=[obj.meeting_id]),
                           obj.meeting.title)

    @admin.display(description="责任人")
    def owner_shown(self, obj):
        return str(obj.owner)

    @admin.display(description="完成期限", ordering="due_on")
    def due_shown(self, obj):
        if services.is_overdue(obj):
            return format_html('<span class="text-red-700 font-semibold">{}（已逾期）</span>', f"{obj.due_on:%Y-%m-%d}")
        return f"{obj.due_on:%Y-%m-%d}"

    @admin.display(description="操作")
    def act(self, obj):
        if obj.status == ActionItem.Status.DONE:
            return ""
        return format_html('<a href="{}">办结</a>', reverse("console:documents_actionitem_done", args=[obj.pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/done/", view(self.done_view), name="documents_actionitem_done"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise Http404

    def done_view(self, request, pk):
        try:
            item = queries.action_item_for(request.user, pk)
        except NotFound as exc:
            raise Http404("督办事项不存在") from exc
        back = reverse("console:documents_actionitem_changelist")
        form = DoneForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = _refused_on(form, services.complete_action_item, item, by=request.user,
                               result=form.cleaned_data["result"])
            if done is not None:
                messages.success(request, f"已办结“{done.title}”")
                return HttpResponseRedirect(back)
        return self._form_page(request, form, title=f"办结督办事项：{item.title}", submit="办结", back=back,
                               intro=f"会议：{item.meeting.title}；完成期限：{item.due_on:%Y-%m-%d}")


# The workbench -------------------------------------------------------------------------------------------------------

GROUP = "会议管理"

register(Queue(
    "documents.meeting.reply", GROUP, "待回执会议",
    lambda user: queries.my_invitations(user, pending=True).count(),
    lambda user: changelist("documents_invitation_changelist", pending="1"),
    help="发给本人或本人所在单位、尚未回执且未过回执截止时间的会议通知"))
register(Queue(
    "documents.action_item.open", GROUP, "督办事项",
    lambda user: queries.my_action_items(user, open_only=True).count(),
    lambda user: changelist("documents_actionitem_changelist", scope="mine", status__exact="open"),
    help="由本人负责、尚未办结的会议督办事项"))
