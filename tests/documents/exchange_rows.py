"""Rows for the exchange and incoming-document tests: office cadres, a released outgoing document, a clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.base import ContentFile
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.documents.models import Attachment, Department, OutgoingDocument
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Organisation, Position

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


class Clock:
    """Django's timezone.now, set by the test."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.now: dt.datetime | None = None

    def set(self, moment: dt.datetime) -> dt.datetime:
        from django.utils import timezone

        self.now = moment
        self.monkeypatch.setattr(timezone, "now", lambda: self.now)
        return moment

    def advance(self, **delta) -> dt.datetime:
        assert self.now is not None
        return self.set(self.now + dt.timedelta(**delta))


def cadre(username: str, org: Organisation, role=Position.Role.ADMINISTRATOR):
    user = make_user(username)
    org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
    return user


def released(org: Organisation, *, title: str = "关于开展职工技能竞赛的通知", seq: int = 12,
             status=OutgoingDocument.Status.DISTRIBUTION, attachment: bytes | None = None) -> OutgoingDocument:
    """A released document of `org`, numbered 鲁工发〔2026〕<seq>号."""
    doc = OutgoingDocument.objects.create(
        org=org, title=title, issuer_mark=f"{org.name}文件", number=f"鲁工发〔2026〕{seq}号", number_year=2026,
        signer_name="王强", main_recipients="各市总工会", body="各市总工会：\n现将有关事项通知如下。",
        written_on=dt.date(2026, 3, 2), printer=f"{org.name}办公室", printed_on=dt.date(2026, 3, 2), status=status,
    )
    if attachment is not None:
        a = Attachment(outgoing=doc, name="名单.pdf", size=len(attachment),
                       sha256="a" * 64, position=1)
        a.file.save("list.pdf", ContentFile(attachment), save=False)
        a.save()
    return doc


def department(org: Organisation, name: str = "办公室", *, head=None, members=()) -> Department:
    dept = Department.objects.create(org=org, name=name, head=head)
    if members:
        dept.members.add(*members)
    return dept
