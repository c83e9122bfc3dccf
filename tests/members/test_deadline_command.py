import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from smartunion.core.actors import SYSTEM
from smartunion.core.models import OutboxMessage
from smartunion.core.validators import make_id_number
from smartunion.members.deadline_tasks import check_deadlines
from smartunion.members.models import JoinApplication, Transfer
from smartunion.members.services import join_apply, transfer_request

pytestmark = pytest.mark.django_db


def test_command_flags_overdue_applications_and_releases_overdue_transfers(tree, personas, capsys,
                                                                         django_capture_on_commit_callbacks):
    application, _ = join_apply(name="王芳", id_number=make_id_number("370102", dt.date(1990, 1, 1), 5),
                                phone="13811112222", employer_name="济南乙商贸有限公司", work_region="370102",
                                by=SYSTEM)
    transfer = transfer_request(membership=personas.worker.person.memberships.get(status="active"),
                                by=personas.worker, to_union=tree.qd_grassroots)
    past = timezone.now() - dt.timedelta(days=1)
    JoinApplication.objects.filter(pk=application.pk).update(deadline=past)
    Transfer.objects.filter(pk=transfer.pk).update(release_deadline=past)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check-deadlines")
    assert capsys.readouterr().out.strip() == "超期入会申请已提醒 1 件；自动转出 1 件；意外中断的导入任务 0 个"
    assert Transfer.objects.get(pk=transfer.pk).status == "released"
    assert JoinApplication.objects.get(pk=application.pk).overdue_notified_at is not None
    # The township union (the only one of the county) received it; its parent, 历下区总工会, is told.
    assert application.union_id == tree.lixia_town.pk
    assert OutboxMessage.objects.filter(user=personas.county_cadre, subject="入会申请审核超期").count() == 1
    assert OutboxMessage.objects.filter(subject="入会申请审核超期").count() == 1
    assert check_deadlines() == {"overdue_flagged": 0, "transfers_released": 0}
