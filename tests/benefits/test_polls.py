"""Votes and surveys: choice limits, one ballot or response per member, results live or after close, survey
validation with skip logic, anonymous surveys, results and the answers table."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from tests.benefits.conftest import make_member, window

from smartunion.benefits import services
from smartunion.benefits.errors import NotEligible, NotOpen
from smartunion.benefits.models import Activity, Ballot, Participation, Response, VoteOption
from smartunion.benefits.services.polls import (
    AlreadyAnswered,
    AlreadyVoted,
    answer_survey,
    cast_vote,
    results,
    survey_answers_table,
    survey_results,
    vote_results,
)
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Invalid
from smartunion.core.models import AuditEvent, BehaviourEvent

pytestmark = pytest.mark.django_db

OPTIONS = ["李师傅（一线焊工）", "王师傅（快递员）", "赵师傅（环卫工）"]
QUESTIONS = [
    {"kind": "single", "text": "最近一个月是否加过班？", "choices": ["是", "否"]},
    {"kind": "rating", "text": "加班强度打分", "show_if": {"position": 1, "values": ["是"]}},
    {"kind": "multiple", "text": "最希望协商的事项", "choices": ["工资", "工时", "休假"], "required": False},
    {"kind": "text", "text": "其他意见", "required": False},
]


def vote_activity(org, *, max_choices=2, results="after_close", publish=True, **extra):
    activity = services.create_activity(by=SYSTEM, org=org, kind="vote", title=extra.pop("title", "最美劳动者评选"),
                                        max_choices=max_choices, results=results, **{**window(), **extra})
    services.set_options(activity, OPTIONS, by=SYSTEM)
    return services.publish_activity(activity, by=SYSTEM) if publish else activity


def survey_activity(org, *, anonymous=False, results="after_close", questions=QUESTIONS, **extra):
    activity = services.create_activity(by=SYSTEM, org=org, kind="survey", title=extra.pop("title", "集体协商前调查"),
                                        anonymous=anonymous, results=results, **{**window(), **extra})
    services.set_questions(activity, questions, by=SYSTEM)
    return services.publish_activity(activity, by=SYSTEM)


def option_ids(activity):
    return list(VoteOption.objects.filter(activity=activity).order_by("position").values_list("pk", flat=True))


def votes(activity):
    return list(VoteOption.objects.filter(activity=activity).order_by("position").values_list("votes", flat=True))


def fresh(activity):
    return Activity.objects.get(pk=activity.pk)


# Votes ----------------------------------------------------------------------------------------------------------

def test_a_ballot_counts_each_chosen_option_once(tree, personas, django_capture_on_commit_callbacks):
    activity = vote_activity(tree.jinan)
    a, _, c = option_ids(activity)
    with django_capture_on_commit_callbacks(execute=True):
        ballot = cast_vote(activity, by=personas.worker, option_ids=[c, a])
    assert (ballot.person_id, sorted(ballot.options.values_list("pk", flat=True))) == (
        personas.worker.person_id, [a, c])
    cast_vote(activity, by=make_member(tree.grassroots), option_ids=[a])
    assert votes(activity) == [2, 0, 1]
    assert fresh(activity).participants == 2
    assert list(BehaviourEvent.objects.filter(kind="benefits.vote.cast").values_list("person_id", "target_id")) == [
        (personas.worker.person_id, str(activity.pk))]
    assert AuditEvent.objects.filter(action__startswith="benefits.vote").count() == 0  # no audit row per ballot


def test_the_choices_are_checked(tree, personas):
    activity = vote_activity(tree.jinan, max_choices=2)
    a, b, c = option_ids(activity)
    foreign = option_ids(vote_activity(tree.jinan, title="另一场投票"))[0]
    for chosen, message in (([], "请至少选择一项"), ([a, b, c], "最多可选 2 项"), ([a, a], "同一选项只能选一次"),
                            ([a, foreign], "所选选项不属于本次投票"), (["1"], "请选择投票选项"),
                            ([True], "请选择投票选项")):
        with pytest.raises(Invalid) as refused:
            cast_vote(activity, by=personas.worker, option_ids=chosen)
        assert refused.value.fields == {"option_ids": message}, chosen
    assert Ballot.objects.count() == 0
    assert votes(activity) == [0, 0, 0]


def test_one_ballot_per_member(tree, personas):
    activity = vote_activity(tree.jinan)
    a, b, _ = option_ids(activity)
    first = cast_vote(activity, by=personas.worker, option_ids=[a])
    with pytest.raises(AlreadyVoted) as refused:
        cast_vote(activity, by=personas.worker, option_ids=[b])
    assert (refused.value.code, refused.value.message, refused.value.status) == (
        "already_voted", "您已投过票，每人只能投一次", 409)
    assert list(Ballot.objects.values_list("pk", flat=True)) == [first.pk]
    assert votes(activity) == [1, 0, 0]
    assert fresh(activity).participants == 1


def test_who_may_vote(tree, personas):
    activity = vote_activity(tree.jinan)
    a = option_ids(activity)[0]
    with pytest.raises(NotEligible):
        cast_vote(activity, by=make_member(tree.qd_grassroots), option_ids=[a])
    services.close_activity(activity, by=SYSTEM)
    with pytest.raises(NotOpen) as refused:
        cast_vote(fresh(activity), by=personas.worker, option_ids=[a])
    assert refused.value.message == "活动已结束"
    assert Ballot.objects.count() == 0


def test_results_after_close_are_hidden_from_members_until_the_close(tree, personas):
    activity = vote_activity(tree.jinan)
    a, b, c = option_ids(activity)
    cast_vote(activity, by=personas.worker, option_ids=[a, b])
    cast_vote(activity, by=make_member(tree.grassroots), option_ids=[a])
    hidden = vote_results(activity, viewer=personas.worker)
    assert (hidden["visible"], hidden["message"], hidden["total"]) == (False, "投票结果将在活动结束后公布", None)
    assert [(o["text"], o["votes"]) for o in hidden["options"]] == [(t, None) for t in OPTIONS]
    counted = [(o["id"], o["votes"], o["percent"]) for o in vote_results(activity, viewer=personas.city_cadre)[
        "options"]]
    assert counted == [(a, 2, 100.0), (b, 1, 50.0), (c, 0, 0.0)]
    # A cadre of another city manages nothing here and is no member of the audience.
    with pytest.raises(NotEligible):
        vote_results(activity, viewer=personas.other_city_cadre)
    services.close_activity(activity, by=SYSTEM)
    shown = vote_results(fresh(activity), viewer=personas.worker)
    assert (shown["visible"], shown["total"], [o["votes"] for o in shown["options"]]) == (True, 2, [2, 1, 0])


def test_live_results_are_shown_at_once(tree, personas):
    activity = vote_activity(tree.jinan, results="live", max_choices=1)
    _, b, _ = option_ids(activity)
    cast_vote(activity, by=personas.worker, option_ids=[b])
    live = results(activity, viewer=personas.worker)
    assert (live["kind"], live["visible"], live["total"], [o["votes"] for o in live["options"]]) == (
        "vote", True, 1, [0, 1, 0])
    with pytest.raises(Conflict) as refused:
        survey_results(activity, viewer=personas.worker)
    assert refused.value.code == "wrong_kind"


# Surveys --------------------------------------------------------------------------------------------------------

def test_survey_answers_are_checked_question_by_question(tree, personas):
    activity = survey_activity(tree.jinan)
    with pytest.raises(Invalid) as refused:
        answer_survey(activity, by=personas.worker, answers={"1": "也许", "3": ["工资", "加薪"], "4": "长" * 1001,
                                                             "9": "x"})
    assert (refused.value.message, refused.value.fields) == ("问卷填写有误，请检查后重新提交", {
        "answers.9": "问卷中没有这道题",
        "answers.1": "请从选项中选择一项",
        "answers.3": "请从选项中选择（可多选，不能重复）",
        "answers.4": "回答最多 1000 个字",
    })
    with pytest.raises(Invalid) as refused:
        answer_survey(activity, by=personas.worker, answers={})
    assert refused.value.fields == {"answers.1": "本题为必答题"}
    for rating in (0, 6, "五", 2.5, True):
        with pytest.raises(Invalid) as refused:
            answer_survey(activity, by=personas.worker, answers={"1": "是", "2": rating})
        assert refused.value.fields == {"answers.2": "评分应为 1 至 5 的整数"}, rating
    with pytest.raises(Invalid) as refused:
        answer_survey(activity, by=personas.worker, answers=["是"])
    assert refused.value.fields == {"answers": "答案格式不正确"}
    assert (Response.objects.count(), fresh(activity).participants) == (0, 0)


def test_skip_logic_asks_a_question_only_after_the_matching_answer(tree, personas):
    activity = survey_activity(tree.jinan)
    # 加过班: the rating is asked and required.
    with pytest.raises(Invalid) as refused:
        answer_survey(activity, by=personas.worker, answers={"1": "是"})
    assert refused.value.fields == {"answers.2": "本题为必答题"}
    shown = answer_survey(activity, by=personas.worker,
                          answers={1: "是", "2": "4", "3": ["休假", "工资"], "4": "  希望落实带薪年休假  "})
    assert shown.answers == {"1": "是", "2": 4, "3": ["工资", "休假"], "4": "希望落实带薪年休假"}
    # 没加班: the rating is not asked, and a rating sent anyway is dropped; empty optional answers are left out.
    skipped = answer_survey(activity, by=make_member(tree.grassroots), answers={"1": "否", "2": 5, "3": [], "4": ""})
    assert skipped.answers == {"1": "否"}
    assert fresh(activity).participants == 2


def test_a_named_survey_keeps_the_member_and_refuses_a_second_response(tree, personas):
    activity = survey_activity(tree.jinan)
    response = answer_survey(activity, by=personas.worker, answers={"1": "否"})
    assert response.person_id == personas.worker.person_id
    with pytest.raises(AlreadyAnswered) as refused:
        answer_survey(activity, by=personas.worker, answers={"1": "是", "2": 3})
    assert (refused.value.code, refused.value.message) == ("already_answered", "您已填写过该问卷，每人只能填写一次")
    assert list(Response.objects.values_list("pk", "answers")) == [(response.pk, {"1": "否"})]
    assert Participation.objects.count() == 0


def test_an_anonymous_survey_stores_no_member_but_still_refuses_a_second_response(tree, personas):
    activity = survey_activity(tree.jinan, anonymous=True)
    response = answer_survey(activity, by=personas.worker, answers={"1": "否"})
    assert Response.objects.get(pk=response.pk).person_id is None
    assert list(Participation.objects.values_list("activity_id", "person_id")) == [
        (activity.pk, personas.worker.person_id)]
    with pytest.raises(AlreadyAnswered):
        answer_survey(activity, by=personas.worker, answers={"1": "是", "2": 3})
    assert (Response.objects.count(), Participation.objects.count(), fresh(activity).participants) == (1, 1, 1)
    other = make_member(tree.grassroots)
    answer_survey(activity, by=other, answers={"1": "否"})
    assert list(Response.objects.values_list("person_id", flat=True)) == [None, None]
    assert Participation.objects.count() == 2


def test_nothing_pairs_an_anonymous_response_with_its_participation(tree, personas):
    """No sequence in step and no exact time: the response's key is random, and both rows keep only the day."""
    activity = survey_activity(tree.jinan, anonymous=True)
    response = answer_survey(activity, by=personas.worker, answers={"1": "否"})
    stored = Response.objects.get(pk=response.pk)
    local = timezone.localtime(stored.submitted_at)
    assert isinstance(stored.pk, uuid.UUID)
    assert ((local.hour, local.minute, local.second, local.microsecond), local.date()) == (
        (0, 0, 0, 0), timezone.localdate())
    assert Participation.objects.get().created_at == timezone.localdate()
    named = survey_activity(tree.jinan, title="实名问卷")
    kept = answer_survey(named, by=personas.worker, answers={"1": "否"})
    assert timezone.now() - Response.objects.get(pk=kept.pk).submitted_at < dt.timedelta(minutes=1)


def _answer_three(activity, tree, personas):
    answer_survey(activity, by=personas.worker, answers={"1": "是", "2": 4, "3": ["工资", "工时"], "4": "多发高温补贴"})
    answer_survey(activity, by=make_member(tree.grassroots, name="李四"),
                  answers={"1": "是", "2": 2, "3": ["工资"], "4": "食堂改善"})
    answer_survey(activity, by=make_member(tree.grassroots), answers={"1": "否"})


def test_survey_results_count_choices_ratings_and_texts(tree, personas):
    activity = survey_activity(tree.jinan, results="live")
    _answer_three(activity, tree, personas)
    shown = survey_results(activity, viewer=personas.worker)
    assert (shown["visible"], shown["total"]) == (True, 3)
    single, rating, multiple, text = shown["questions"]
    assert single == {"position": 1, "kind": "single", "text": "最近一个月是否加过班？", "answered": 3,
                      "choices": [{"choice": "是", "count": 2, "percent": 66.7},
                                  {"choice": "否", "count": 1, "percent": 33.3}]}
    assert (rating["answered"], rating["mean"], rating["distribution"]) == (2, 3.0, [
        {"rating": 1, "count": 0}, {"rating": 2, "count": 1}, {"rating": 3, "count": 0}, {"rating": 4, "count": 1},
        {"rating": 5, "count": 0}])
    assert (multiple["answered"], multiple["choices"]) == (2, [
        {"choice": "工资", "count": 2, "percent": 100.0}, {"choice": "工时", "count": 1, "percent": 50.0},
        {"choice": "休假", "count": 0, "percent": 0.0}])
    assert text == {"position": 4, "kind": "text", "text": "其他意见", "answered": 2}  # no texts for members
    cadre_text = survey_results(activity, viewer=personas.city_cadre)["questions"][3]
    assert cadre_text["texts"] == ["多发高温补贴", "食堂改善"]


def test_survey_results_after_close_are_hidden_from_members(tree, personas):
    activity = survey_activity(tree.jinan)
    answer_survey(activity, by=personas.worker, answers={"1": "否"})
    hidden = results(activity, viewer=personas.worker)
    assert (hidden["kind"], hidden["visible"], hidden["message"], hidden["total"]) == (
        "survey", False, "问卷结果将在活动结束后公布", None)
    assert survey_results(activity, viewer=personas.city_cadre)["total"] == 1


def test_the_answers_table_of_a_named_survey_masks_names(tree, personas):
    activity = survey_activity(tree.jinan)
    _answer_three(activity, tree, personas)
    table = survey_answers_table(activity)
    assert table["header"] == ["序号", "姓名", "提交时间", "1. 最近一个月是否加过班？", "2. 加班强度打分",
                               "3. 最希望协商的事项", "4. 其他意见"]
    assert [row[:2] + row[3:] for row in table["rows"]] == [
        [1, "张*", "是", 4, "工资、工时", "多发高温补贴"],
        [2, "李*", "是", 2, "工资", "食堂改善"],
        [3, "王*", "否", "", "", ""],
    ]
    assert all(len(row[2]) == len("2026-07-01 08:00") for row in table["rows"])


def test_the_answers_table_of_an_anonymous_survey_has_no_member_no_time_and_no_order(tree, personas):
    activity = survey_activity(tree.jinan, anonymous=True)
    _answer_three(activity, tree, personas)
    table = survey_answers_table(activity)
    assert table["header"] == ["序号", "1. 最近一个月是否加过班？", "2. 加班强度打分", "3. 最希望协商的事项",
                               "4. 其他意见"]
    assert table["rows"] == [  # sorted by content, not by submission
        [1, "否", "", "", ""],
        [2, "是", 2, "工资", "食堂改善"],
        [3, "是", 4, "工资、工时", "多发高温补贴"],
    ]
