"""The case workflow: every allowed step with its effects, and forbidden ones (wrong state, wrong person, out of
scope); each step audited with its Chinese label and logged in TransitionLog."""

from __future__ import annotations

import pytest
from tests.cases.case_rows import new_case
from tests.cases.conftest import at
from tests.conftest import make_user

from smartunion.cases.errors import AlreadyRated, CaseClosed, OrgNotFound, ReopenWindowClosed
from smartunion.cases.models import Case, CaseAssist, CaseMessage
from smartunion.cases.services import cases as services
from smartunion.core.actors import SYSTEM
from smartunion.core.audit import action_label
from smartunion.core.errors import Forbidden, Invalid
from smartunion.core.models import AuditEvent, OutboxMessage, TransitionLog
from smartunion.core.workflow import TransitionError, TransitionForbidden
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position


@pytest.fixture
def case(tree, personas, clock):
    clock.set(at(2026, 11, 2, 9))  # Monday
    return new_case(personas.worker)


def actions(case):
    return list(TransitionLog.objects.filter(workflow="cases.case", object_id=str(case.pk))
                .values_list("action", "from_state", "to_state").order_by("id"))


def test_the_whole_way_accept_pause_resume_close_rate(case, personas, town_handler, clock):
    assert (case.status, case.org.name, case.handler_id) == ("submitted", "历下区解放路街道工会", None)
    clock.set(at(2026, 11, 2, 10))
    case = services.accept(case, by=town_handler)
    assert (case.status, case.handler_id, case.first_responded_at) == ("processing", town_handler.pk,
                                                                       at(2026, 11, 2, 10))
    case = services.pause(case, by=town_handler, note="请上传工资条")
    services.worker_message(case, by=personas.worker, body="工资条已上传，请查收。")
    case.refresh_from_db()
    assert case.status == "processing"
    clock.set(at(2026, 11, 5, 16))
    case = services.close(case, by=town_handler, resolution="resolved", note="经协调，公司已补发工资。")
    assert (case.status, case.resolution, case.closed_at, case.closed_on_time) == (
        "closed", "resolved", at(2026, 11, 5, 16), True)
    case = services.rate(case, by=personas.worker, rating=5, comment="很满意")
    assert (case.rating, case.rating_comment, case.status) == (5, "很满意", "closed")
    assert actions(case) == [("accept", "submitted", "processing"), ("pause", "processing", "waiting"),
                             ("resume", "waiting", "processing"), ("close", "processing", "closed"),
                             ("rate", "closed", "closed")]
    logged = list(AuditEvent.objects.filter(target_id=str(case.pk), action__startswith="cases.case.")
                  .values_list("action", flat=True).order_by("id"))
    assert logged == ["cases.case.file", "cases.case.accept", "cases.case.pause", "cases.case.resume",
                      "cases.case.close", "cases.case.rate"]
    assert all(action_label(a) != a for a in logged)
    kinds = list(case.messages.values_list("kind", "body").order_by("id"))
    assert kinds == [("reply", "请上传工资条"), ("worker", "工资条已上传，请查收。")]
    subjects = list(OutboxMessage.objects.filter(user=personas.worker).values_list("subject", flat=True)
                    .order_by("id"))
    assert subjects == ["维权诉求已受理登记", "维权诉求已受理", "请补充维权诉求材料", "维权诉求已办结"]


def test_a_reply_to_a_submitted_case_accepts_it_and_counts_as_first_response(case, town_handler, clock):
    clock.set(at(2026, 11, 2, 14))
    message = services.reply(case, by=town_handler, body="您好，已收到您的诉求，我们将尽快联系您。")
    case.refresh_from_db()
    assert (case.status, case.first_responded_at, message.kind) == ("processing", at(2026, 11, 2, 14), "reply")
    services.reply(case, by=town_handler, body="已与公司人事联系。")
    assert actions(case) == [("accept", "submitted", "processing")]
    assert AuditEvent.objects.filter(action="cases.case.reply", target_id=str(case.pk)).count() == 2


def test_internal_notes_are_not_shown_to_the_worker(case, personas, town_handler):
    from smartunion.cases.queries.cases import messages_for

    services.reply(case, by=town_handler, body="已受理。")
    services.add_note(case, by=town_handler, body="该公司去年也有类似投诉。")
    assert [m.kind for m in messages_for(case, worker=True)] == ["reply"]
    assert [m.kind for m in messages_for(case, worker=False)] == ["reply", "note"]
    assert AuditEvent.objects.filter(action="cases.case.note").count() == 1


def test_steps_from_the_wrong_state_are_refused(case, personas, town_handler):
    with pytest.raises(TransitionError) as refused:
        services.close(case, by=town_handler, resolution="resolved", note="办结")
    assert refused.value.message == "当前状态为“待受理”，不能执行“办结”"
    with pytest.raises(TransitionError):
        services.pause(case, by=town_handler, note="请补充")
    with pytest.raises(TransitionError):
        services.rate(case, by=personas.worker, rating=5)
    case = services.accept(case, by=town_handler)
    with pytest.raises(TransitionError) as refused:
        services.pause(case, by=town_handler, note="")
    assert refused.value.code == "note_required"
    case = services.close(case, by=town_handler, resolution="answered", note="已解答")
    with pytest.raises(CaseClosed):
        services.reply(case, by=town_handler, body="再补充一句")
    with pytest.raises(CaseClosed):
        services.worker_message(case, by=personas.worker, body="我还有问题想问")


def test_the_wrong_person_is_refused(case, personas, town_handler):
    with pytest.raises(TransitionForbidden):
        services.accept(case, by=personas.other_city_cadre)
    with pytest.raises(TransitionForbidden):
        services.accept(case, by=personas.grassroots_cadre)  # below the handling org
    with pytest.raises(Forbidden):
        services.worker_message(case, by=personas.outsider, body="我不是提交人")
    case = services.accept(case, by=personas.city_cadre)  # above it: may
    case = services.close(case, by=town_handler, resolution="resolved", note="已解决")
    with pytest.raises(TransitionForbidden):
        services.rate(case, by=town_handler, rating=5)
    with pytest.raises(TransitionForbidden):
        services.reopen(case, by=personas.outsider, note="重新办理")
    assert Case.objects.get(pk=case.pk).rating is None


def test_rating_once_and_within_one_to_five(case, personas, town_handler):
    case = services.accept(case, by=town_handler)
    case = services.close(case, by=town_handler, resolution="resolved", note="已解决")
    with pytest.raises(Invalid) as refused:
        services.rate(case, by=personas.worker, rating=6)
    assert refused.value.fields == {"rating": "评分应为1到5分"}
    services.rate(case, by=personas.worker, rating=3)
    with pytest.raises(AlreadyRated):
        services.rate(case, by=personas.worker, rating=5)
    assert Case.objects.get(pk=case.pk).rating == 3


def test_reopen_within_fifteen_days_restarts_the_resolution_clock(case, personas, town_handler, clock):
    case = services.accept(case, by=town_handler)
    clock.set(at(2026, 11, 3, 10))
    case = services.close(case, by=town_handler, resolution="answered", note="已解答")
    clock.set(at(2026, 11, 18, 9))  # 14 days 23 hours later
    case = services.reopen(case, by=personas.worker, note="公司仍未支付，请继续处理")
    assert (case.status, case.reopen_count, case.reopened_at, case.closed_at, case.resolution) == (
        "processing", 1, at(2026, 11, 18, 9), None, "")
    assert case.resolution_due == at(2026, 11, 27, 23, 59, 59)  # 7 working days from 11-18 (Wednesday)
    assert case.messages.last().body == "公司仍未支付，请继续处理"
    clock.set(at(2026, 11, 19, 9))
    case = services.close(case, by=town_handler, resolution="resolved", note="已支付")
    clock.set(at(2026, 12, 4, 9, 0, 1))  # 15 days and a second
    with pytest.raises(ReopenWindowClosed) as refused:
        services.reopen(case, by=personas.worker, note="再次申请")
    assert refused.value.message == "办结已超过15天，不能重新办理；如有新的问题请重新提交诉求"


def test_transfer_within_the_tree_keeps_deadlines_and_clears_the_handler(case, personas, town_handler):
    case = services.accept(case, by=town_handler)
    due = (case.first_response_due, case.resolution_due)
    with pytest.raises(OrgNotFound):  # the township cadre cannot see the county federation above
        services.transfer(case, by=town_handler, org=personas.county_cadre.positions.get().org, note="请县总办理")
    with pytest.raises(OrgNotFound):  # nor another city's union: answered as missing
        services.transfer(case, by=personas.city_cadre, org=personas.other_city_cadre.positions.get().org,
                          note="转青岛")
    county = personas.county_cadre.positions.get().org
    case = services.transfer(case, by=personas.city_cadre, org=county, note="涉及多家单位，由区总工会办理")
    assert (case.org_id, case.org_path, case.handler_id, case.status) == (county.pk, county.path, None,
                                                                         "processing")
    assert case.routing_note == "由“历下区解放路街道工会”转办：涉及多家单位，由区总工会办理"
    assert (case.first_response_due, case.resolution_due) == due
    event = AuditEvent.objects.get(action="cases.case.transfer")
    assert (event.org_id, event.also_org_path) == (county.pk, case.org.children.get().path)
    with pytest.raises(TransitionForbidden):  # the township no longer handles it
        services.close(case, by=town_handler, resolution="resolved", note="办结")


def test_assign_to_a_cadre_of_the_org_or_above_only(case, personas, town_handler, tree):
    colleague = make_user("colleague")
    org_services.position_grant(user=colleague, org=tree.lixia_town, role=Position.Role.ADMINISTRATOR, by=SYSTEM)
    case = services.assign(case, by=town_handler, handler=colleague)
    assert case.handler_id == colleague.pk
    case = services.assign(case, by=town_handler, handler=personas.county_cadre)  # above: may
    for wrong in (personas.grassroots_cadre, personas.other_city_cadre, personas.worker):
        with pytest.raises(Invalid) as refused:
            services.assign(case, by=town_handler, handler=wrong)
        assert refused.value.fields == {"handler_id": "承办人不存在，或不在承办单位及其上级单位任职"}
    other = new_case(personas.worker)
    assert services.bulk_assign([case, other], by=town_handler, handler=colleague) == 2
    assert set(Case.objects.values_list("handler_id", flat=True)) == {colleague.pk}


def test_supervision_comes_from_above(case, personas, town_handler):
    with pytest.raises(TransitionForbidden):
        services.supervise(case, by=town_handler, note="请加快办理")
    case = services.supervise(case, by=personas.county_cadre, note="请三日内答复")
    assert (case.supervised, case.supervised_by_id, case.supervision_note) == (True, personas.county_cadre.pk,
                                                                                "请三日内答复")
    from smartunion.cases.queries.cases import supervised_cases

    assert list(supervised_cases(personas.city_cadre)) == [case]
    assert list(supervised_cases(personas.other_city_cadre)) == []
    case = services.end_supervision(case, by=personas.county_cadre)
    assert case.supervised is False
    with pytest.raises(Exception) as refused:
        services.end_supervision(case, by=personas.county_cadre)
    assert refused.value.message == "该工单未被督办"


def test_co_handling_shows_the_case_to_the_assisting_org_while_open(case, personas, town_handler, tree):
    from smartunion.cases.queries.cases import case_for_cadre, handler_queue

    with pytest.raises(OrgNotFound):
        services.request_assist(case, by=town_handler, org=tree.shinan_town, note="协助核实")
    assist = services.request_assist(case, by=personas.city_cadre, org=tree.grassroots, note="请协助核实考勤")
    assert (assist.status, assist.org_path) == ("open", tree.grassroots.path)
    assert list(handler_queue(personas.grassroots_cadre)) == [case]
    assert case_for_cadre(personas.grassroots_cadre, case.pk) == case
    services.add_note(case, by=personas.grassroots_cadre, body="考勤记录显示加班属实")
    assist = services.answer_assist(assist, by=personas.grassroots_cadre, reply="已核实，加班属实。")
    assert assist.status == "done"
    assert list(handler_queue(personas.grassroots_cadre)) == []
    notes = list(case.messages.filter(kind="note").values_list("org__name", "body").order_by("id"))
    assert notes == [("甲公司工会委员会", "考勤记录显示加班属实"), ("甲公司工会委员会", "协办反馈：已核实，加班属实。")]
    with pytest.raises(Forbidden):
        services.add_note(case, by=personas.grassroots_cadre, body="再补充")


def test_closing_cancels_open_co_handling(case, personas, town_handler, tree):
    services.request_assist(case, by=personas.city_cadre, org=tree.grassroots, note="请协助")
    case = services.accept(case, by=town_handler)
    services.close(case, by=town_handler, resolution="resolved", note="已解决")
    assert list(CaseAssist.objects.values_list("status", flat=True)) == ["cancelled"]


def test_a_failed_step_keeps_nothing(case, personas, town_handler):
    case = services.accept(case, by=town_handler)
    case = services.close(case, by=town_handler, resolution="resolved", note="已解决")
    services.rate(case, by=personas.worker, rating=4)
    before = (TransitionLog.objects.count(), AuditEvent.objects.count(), CaseMessage.objects.count())
    with pytest.raises(AlreadyRated):
        services.rate(case, by=personas.worker, rating=1)
    assert (TransitionLog.objects.count(), AuditEvent.objects.count(), CaseMessage.objects.count()) == before
