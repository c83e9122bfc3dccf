"""Votes (投票) and surveys (问卷调查): one ballot or one response per member, results live or after close.

Votes: a ballot picks 1..max_choices distinct options of the activity; `ballot_one_per_member` (unique (activity,
person)) makes a second ballot fail in the database whatever the timing, and each chosen option's counter goes up by
one (an F() UPDATE) in the ballot's transaction, so the counters always equal the ballots.

Surveys: answers are keyed by question position ("1" or 1). Single choice takes one of the question's choices,
multiple choice a list of them, text up to 1000 characters, rating an integer 1-5. A question with skip logic
(Question.show_if_position / show_if_values) is asked only when the earlier question's answer is among the values
(for a multiple-choice answer: any chosen value; for a rating: its number as text); a question that is not asked
is never required, and an answer sent for it is DROPPED, not refused (a form may post every field it has, hidden or
not; what the member was not asked is not kept). Empty answers (None, "", []) count as unanswered; an answer to a
position the survey does not have is refused.

One response per member: a non-anonymous survey keeps Response.person, backed by the partial unique constraint
`response_one_per_member`; an anonymous survey keeps no person on the response, and a Participation row (unique
(activity, person)) written in the same transaction records that the member answered, with no link to the answer.
The answers export of an anonymous survey has no person and no time column and lists the rows sorted by content,
not by submission order.

Results: counts per option (votes) or per question (choices, rating mean and distribution, number of text
answers; the texts only for cadres in scope). With `results == "after_close"` they stay hidden (visible: false,
with the reason in Chinese) until the activity is closed or has ended, except for the chairs and administrators
who manage the publishing org.

Audit: a ballot or an answer is NOT logged as one audit row per member (a busy vote would fill the log with rows
that say nothing the ballots and responses do not): the act is the Ballot / Response (and Participation) row itself
plus a behaviour event (benefits.vote.cast / benefits.survey.answer). The cadres' changes of options and questions
are audited in services/activities.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from smartunion.benefits.behaviour import took_part
from smartunion.benefits.models import Activity, Ballot, Participation, Question, Response, VoteOption
from smartunion.benefits.rules import can_manage
from smartunion.benefits.services.participation import admit, check_eligible, count_participant, member_of
from smartunion.core.errors import Conflict, Invalid
from smartunion.core.pii import mask_name
from smartunion.orgs.queries import in_scope

MAX_TEXT = 1000
RATINGS = range(1, 6)
ALREADY_VOTED = "您已投过票，每人只能投一次"
ALREADY_ANSWERED = "您已填写过该问卷，每人只能填写一次"
HIDDEN_UNTIL_CLOSE = "投票结果将在活动结束后公布"
SURVEY_HIDDEN_UNTIL_CLOSE = "问卷结果将在活动结束后公布"
REQUIRED = "本题为必答题"


class AlreadyVoted(Conflict):
    default_code = "already_voted"

    def __init__(self, message: str = ALREADY_VOTED, **kwargs):
        super().__init__(message, **kwargs)


class AlreadyAnswered(Conflict):
    default_code = "already_answered"

    def __init__(self, message: str = ALREADY_ANSWERED, **kwargs):
        super().__init__(message, **kwargs)


# Votes ----------------------------------------------------------------------------------------------------------

def _clean_option_ids(activity: Activity, option_ids: Any) -> list[int]:
    if not isinstance(option_ids, list | tuple) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in option_ids):
        raise Invalid.from_fields({"option_ids": "请选择投票选项"})
    if not option_ids:
        raise Invalid.from_fields({"option_ids": "请至少选择一项"})
    if len(set(option_ids)) != len(option_ids):
        raise Invalid.from_fields({"option_ids": "同一选项只能选一次"})
    if len(option_ids) > activity.max_choices:
        raise Invalid.from_fields({"option_ids": f"最多可选 {activity.max_choices} 项"})
    known = set(VoteOption.objects.filter(activity=activity, pk__in=option_ids).values_list("pk", flat=True))
    if known != set(option_ids):
        raise Invalid.from_fields({"option_ids": "所选选项不属于本次投票"})
    return sorted(option_ids)


def cast_vote(activity: Activity, *, by, option_ids) -> Ballot:
    """One ballot of the member with 1..max_choices options; a second is refused (409 already_voted)."""
    member = admit(activity, by, kind=Activity.Kind.VOTE)
    ids = _clean_option_ids(activity, option_ids)
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(activity=activity, person=member.person)
            ballot.options.add(*ids)
            VoteOption.objects.filter(activity=activity, pk__in=ids).update(votes=F("votes") + 1)
            count_participant(activity)
            took_part(member.person, "benefits.vote.cast", activity)
    except IntegrityError:
        if Ballot.objects.filter(activity=activity, person=member.person).exists():
            raise AlreadyVoted() from None
        raise
    return ballot


def _viewer_rights(activity: Activity, viewer) -> tuple[bool, bool]:
    """(manages the org, a cadre in scope) for a viewer allowed to see results; an ineligible member is refused
    like on the activity's page (403 not_eligible)."""
    manager = can_manage(viewer, activity.org)
    cadre = manager or in_scope(viewer, activity.org)
    if not cadre:
        check_eligible(activity, member_of(viewer))
    return manager, cadre


def _results_open(activity: Activity) -> bool:
    return (activity.results == Activity.Results.LIVE or activity.status == Activity.Status.CLOSED
            or timezone.now() >= activity.ends_at)


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def vote_results(activity: Activity, *, viewer) -> dict:
    """{"visible", "message", "total", "options": [{id, position, text, image, votes, percent}]}; while hidden,
    visible is false with the reason and no counts."""
    if activity.kind != Activity.Kind.VOTE:
        raise Conflict("该活动不是投票活动", code="wrong_kind")
    manager, _ = _viewer_rights(activity, viewer)
    options = list(VoteOption.objects.filter(activity=activity).order_by("position"))
    if not (manager or _results_open(activity)):
        return {"kind": activity.kind, "visible": False, "message": HIDDEN_UNTIL_CLOSE, "total": None,
                "options": [{"id": o.pk, "position": o.position, "text": o.text,
                             "image": o.image_url, "votes": None, "percent": None}
                            for o in options]}
    total = Ballot.objects.filter(activity=activity).count()
    return {"kind": activity.kind, "visible": True, "message": "", "total": total,
            "options": [{"id": o.pk, "position": o.position, "text": o.text,
                         "image": o.image_url, "votes": o.votes,
                         "percent": _percent(o.votes, total)} for o in options]}


# Surveys --------------------------------------------------------------------------------------------------------

def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _as_rating(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value in RATINGS else None


def _clean_answer(question: Question, value: Any) -> tuple[Any, str | None]:
    """(the answer as stored, or an error message)."""
    if question.kind == Question.Kind.SINGLE:
        if isinstance(value, str) and value.strip() in question.choices:
            return value.strip(), None
        return None, "请从选项中选择一项"
    if question.kind == Question.Kind.MULTIPLE:
        if (isinstance(value, list) and all(isinstance(v, str) and v.strip() in question.choices for v in value)
                and len({v.strip() for v in value}) == len(value)):
            chosen = {v.strip() for v in value}
            return [c for c in question.choices if c in chosen], None  # in the question's order
        return None, "请从选项中选择（可多选，不能重复）"
    if question.kind == Question.Kind.TEXT:
        if not isinstance(value, str):
            return None, "请填写文字回答"
        if len(value.strip()) > MAX_TEXT:
            return None, f"回答最多 {MAX_TEXT} 个字"
        return value.strip(), None
    rating = _as_rating(value)
    return (rating, None) if rating is not None else (None, "评分应为 1 至 5 的整数")


def _shown(question: Question, cleaned: dict[int, Any]) -> bool:
    """Is the question asked, given the (cleaned) answers to the questions before it?"""
    if question.show_if_position is None:
        return True
    earlier = cleaned.get(question.show_if_position)
    if earlier is None:
        return False
    given = {str(v) for v in earlier} if isinstance(earlier, list) else {str(earlier)}
    return bool(given & {str(v) for v in question.show_if_values})


def clean_answers(questions: list[Question], answers: Any) -> dict[str, Any]:
    """The answers as stored ({"1": ..., "3": ...}, asked and answered questions only), or Invalid with a
    message per question (fields "answers.<position>")."""
    if not isinstance(answers, dict):
        raise Invalid.from_fields({"answers": "答案格式不正确"})
    given: dict[int, Any] = {}
    errors: dict[str, str] = {}
    positions = {q.position for q in questions}
    for key, value in answers.items():
        position = key if isinstance(key, int) and not isinstance(key, bool) else (
            int(key) if isinstance(key, str) and key.strip().isdigit() else None)
        if position is None or position not in positions:
            errors[f"answers.{key}"] = "问卷中没有这道题"
        else:
            given[position] = value
    cleaned: dict[int, Any] = {}
    for question in sorted(questions, key=lambda q: q.position):
        if not _shown(question, cleaned):
            continue  # not asked: not required, and whatever was sent for it is dropped
        value = given.get(question.position)
        if _empty(value):
            if question.required:
                errors[f"answers.{question.position}"] = REQUIRED
            continue
        answer, error = _clean_answer(question, value)
        if error:
            errors[f"answers.{question.position}"] = error
        else:
            cleaned[question.position] = answer
    if errors:
        raise Invalid.from_fields(errors, message="问卷填写有误，请检查后重新提交")
    return {str(position): answer for position, answer in cleaned.items()}


def answer_survey(activity: Activity, *, by, answers: dict) -> Response:
    """The member's one response. Anonymous survey: the response has no person; a Participation row (in the same
    transaction, unlinked) records that the member answered. A second response is refused (409 already_answered)."""
    member = admit(activity, by, kind=Activity.Kind.SURVEY)
    cleaned = clean_answers(list(Question.objects.filter(activity=activity)), answers)
    try:
        with transaction.atomic():
            if activity.anonymous:
                Participation.objects.create(activity=activity, person=member.person)
                # Only the day: an exact time would pair the response with its Participation row.
                day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
                response = Response.objects.create(activity=activity, person=None, answers=cleaned, submitted_at=day)
            else:
                response = Response.objects.create(activity=activity, person=member.person, answers=cleaned)
            count_participant(activity)
            took_part(member.person, "benefits.survey.answer", activity)
    except IntegrityError:
        model = Participation if activity.anonymous else Response
        if model.objects.filter(activity=activity, person=member.person).exists():
            raise AlreadyAnswered() from None
        raise
    return response


def survey_results(activity: Activity, *, viewer) -> dict:
    """Per question: choice counts (single, multiple), mean rating and its distribution, the number of text
    answers (and the texts, for cadres in scope only); hidden until close like a vote's when so chosen."""
    if activity.kind != Activity.Kind.SURVEY:
        raise Conflict("该活动不是问卷调查", code="wrong_kind")
    manager, cadre = _viewer_rights(activity, viewer)
    questions = list(Question.objects.filter(activity=activity).order_by("position"))
    if not (manager or _results_open(activity)):
        return {"kind": activity.kind, "visible": False, "message": SURVEY_HIDDEN_UNTIL_CLOSE, "total": None,
                "questions": [{"position": q.position, "kind": q.kind, "text": q.text} for q in questions]}
    counts: dict[int, Counter] = {q.position: Counter() for q in questions}
    answered: Counter = Counter()
    texts: dict[int, list[str]] = {q.position: [] for q in questions}
    total = 0
    for answers in Response.objects.filter(activity=activity).values_list("answers", flat=True):
        total += 1
        for question in questions:
            value = answers.get(str(question.position))
            if value is None:
                continue
            answered[question.position] += 1
            if question.kind == Question.Kind.TEXT:
                texts[question.position].append(value)
            elif question.kind == Question.Kind.MULTIPLE:
                counts[question.position].update(value)
            else:
                counts[question.position][value] += 1
    out = []
    for q in questions:
        row: dict[str, Any] = {"position": q.position, "kind": q.kind, "text": q.text,
                               "answered": answered[q.position]}
        tally = counts[q.position]
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            row["choices"] = [{"choice": c, "count": tally[c], "percent": _percent(tally[c], answered[q.position])}
                              for c in q.choices]
        elif q.kind == Question.Kind.RATING:
            n = answered[q.position]
            row.update(mean=round(sum(r * c for r, c in tally.items()) / n, 2) if n else None,
                       distribution=[{"rating": r, "count": tally[r]} for r in RATINGS])
        elif cadre:
            # Sorted, not in submission order: an anonymous survey's order would say who wrote what.
            row["texts"] = sorted(texts[q.position])
        out.append(row)
    return {"kind": activity.kind, "visible": True, "message": "", "total": total, "questions": out}


def results(activity: Activity, *, viewer) -> dict:
    """The results of a vote or a survey (the API's GET /activities/{id}/results)."""
    if activity.kind == Activity.Kind.SURVEY:
        return survey_results(activity, viewer=viewer)
    if activity.kind == Activity.Kind.VOTE:
        return vote_results(activity, viewer=viewer)
    raise Conflict("只有投票和问卷调查有结果可看", code="wrong_kind")


def _cell(question: Question, value: Any) -> Any:
    if value is None:
        return ""
    if question.kind == Question.Kind.MULTIPLE:
        return "、".join(value)
    return value


def survey_answers_table(activity: Activity) -> dict:
    """{"header": [...], "rows": [[...], ...]} for the Excel export of a survey's answers. A named survey's rows
    carry the member's masked name and the submission time, in submission order; an anonymous survey's carry
    neither and are sorted by content. The caller (the console) checks the cadre's scope and audits the export."""
    questions = list(Question.objects.filter(activity=activity).order_by("position"))
    header = [f"{q.position}. {q.text}" for q in questions]
    responses = Response.objects.filter(activity=activity).order_by("submitted_at", "id")
    if activity.anonymous:
        rows = sorted(([_cell(q, answers.get(str(q.position))) for q in questions]
                       for answers in responses.values_list("answers", flat=True)), key=repr)
        return {"header": ["序号", *header], "rows": [[i, *row] for i, row in enumerate(rows, 1)]}
    table = []
    for i, response in enumerate(responses.select_related("person"), 1):
        table.append([i, mask_name(response.person.name) if response.person else "",
                      timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M"),
                      *[_cell(q, response.answers.get(str(q.position))) for q in questions]])
    return {"header": ["序号", "姓名", "提交时间", *header], "rows": table}
