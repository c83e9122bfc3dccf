"""Lotteries anyone can check: one entry per member, a draw that follows from the committed seed and the published
list alone (docs/lottery.md), tiers, no double benefit, verify() and the standalone docs/verify_lottery.py."""

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from tests.benefits.conftest import make_member, window

from smartunion.benefits import services
from smartunion.benefits.errors import NotEligible, NotOpen
from smartunion.benefits.models import Activity, LotteryEntry
from smartunion.benefits.services import lottery
from smartunion.core.actors import SYSTEM
from smartunion.core.errors import Conflict, Forbidden, StateError
from smartunion.core.models import AuditEvent, BehaviourEvent, OutboxMessage

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "verify_lottery.py"
SEED = "ab" * 32
# The test vector of docs/lottery.md: seven lines, tiers of 1 and 2.
VECTOR = [f"{t} 3701*******{t:04d}" for t in (3, 5, 8, 13, 21, 34, 55)]
VECTOR_HASH = "5ef115d005d6265f0eba38848983ca816c7440a425bcc419edde48b4dab55015"


def standalone():
    spec = importlib.util.spec_from_file_location("verify_lottery", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lottery_activity(org, *, by=SYSTEM, prizes=(("一等奖", 1), ("二等奖", 2)), title="年货抽奖", **extra):
    activity = services.create_activity(by=by, org=org, kind="lottery", title=title, **{**window(), **extra})
    services.set_prizes(activity, [{"name": n, "count": c} for n, c in prizes], by=by)
    return services.publish_activity(activity, by=by)


def with_seed(activity, seed=SEED):
    """A known seed (and its commitment), so that the draw's result can be stated exactly."""
    Activity.objects.filter(pk=activity.pk).update(seed=seed, commitment=hashlib.sha256(seed.encode()).hexdigest())
    return Activity.objects.get(pk=activity.pk)


def entered(activity, users):
    return [lottery.enter_lottery(activity, by=user) for user in users]


def closed_and_drawn(activity, by=SYSTEM):
    services.close_activity(activity, by=by)
    return lottery.draw(Activity.objects.get(pk=activity.pk), by=by)


def prizes_of(activity):
    return dict(LotteryEntry.objects.filter(activity=activity, prize__isnull=False).values_list("pk", "prize__name"))


# The algorithm ----------------------------------------------------------------------------------------------------

def test_the_algorithm_gives_the_documented_test_vector_and_the_standalone_script_agrees():
    assert lottery.list_hash(VECTOR) == VECTOR_HASH
    assert lottery.list_hash([]) == hashlib.sha256(b"").hexdigest()
    assert lottery.select_winners(SEED, VECTOR_HASH, 7, [1, 2]) == [[6], [2, 5]]
    assert lottery.select_winners(SEED, VECTOR_HASH, 7, [3, 10]) == [[6, 2, 5], [3, 1, 4, 0]]
    assert lottery.select_winners(SEED, VECTOR_HASH, 2, [1, 2]) == [[1], [0]]
    assert lottery.select_winners(SEED, VECTOR_HASH, 0, [1, 2]) == [[], []]
    assert lottery.select_winners("cd" * 32, VECTOR_HASH, 7, [1, 2]) != [[6], [2, 5]]  # another seed, another draw
    script = standalone()
    for size, counts in ((7, [1, 2]), (7, [3, 10]), (2, [1, 2]), (40, [2, 5, 9])):
        assert script.select_winners(SEED, VECTOR_HASH, size, counts) == lottery.select_winners(
            SEED, VECTOR_HASH, size, counts)


def test_uniform_index_rejects_numbers_above_the_last_whole_multiple():
    size = 2**255 + 1  # only numbers below 2**255 + 1 are kept: half of the draws need a second try

    def number(draw, attempt):
        return int.from_bytes(hashlib.sha256(f"{SEED}:{VECTOR_HASH}:{draw}:{attempt}".encode()).digest(), "big")

    draw = next(d for d in range(64) if number(d, 0) >= size and number(d, 1) < size)
    assert lottery.uniform_index(SEED, VECTOR_HASH, draw, size) == number(draw, 1)
    kept = next(d for d in range(64) if number(d, 0) < size)
    assert lottery.uniform_index(SEED, VECTOR_HASH, kept, size) == number(kept, 0)
    assert standalone().uniform_index(SEED, VECTOR_HASH, draw, size) == number(draw, 1)


# Entering ---------------------------------------------------------------------------------------------------------

def test_a_member_enters_once_with_their_card_number(tree, personas, django_capture_on_commit_callbacks):
    activity = lottery_activity(tree.jinan)
    with django_capture_on_commit_callbacks(execute=True):
        entry = lottery.enter_lottery(activity, by=personas.worker)
    assert (entry.card_number, entry.person_id) == ("370102000000001", personas.worker.person_id)
    with pytest.raises(Conflict) as refused:
        lottery.enter_lottery(activity, by=personas.worker)
    assert (refused.value.code, refused.value.message) == ("already_entered", "您已参与过本次抽奖，每人限参与一次")
    assert LotteryEntry.objects.count() == 1
    assert Activity.objects.get(pk=activity.pk).participants == 1
    assert list(BehaviourEvent.objects.values_list("kind", "target_id")) == [
        ("benefits.lottery.enter", str(activity.pk))]
    assert not AuditEvent.objects.filter(action="benefits.lottery.enter").exists()


def test_who_may_not_enter(tree, personas):
    activity = lottery_activity(tree.qingdao)
    with pytest.raises(NotEligible) as refused:
        lottery.enter_lottery(activity, by=personas.worker)
    assert refused.value.message == "本活动仅限发布工会所属的会员参加"
    mine = lottery_activity(tree.jinan)
    services.close_activity(mine, by=SYSTEM)
    with pytest.raises(NotOpen) as refused:
        lottery.enter_lottery(Activity.objects.get(pk=mine.pk), by=personas.worker)
    assert refused.value.message == "活动已结束"
    # A stale copy read before the close: the re-read inside the entry's transaction refuses it.
    stale = lottery_activity(tree.jinan, title="另一场抽奖")
    Activity.objects.filter(pk=stale.pk).update(status=Activity.Status.CLOSED)
    with pytest.raises(NotOpen):
        lottery.enter_lottery(stale, by=personas.worker)
    assert LotteryEntry.objects.count() == 0
    assert Activity.objects.get(pk=stale.pk).participants == 0


# Drawing ----------------------------------------------------------------------------------------------------------

def test_the_draw_follows_from_the_seed_and_the_published_list(tree, personas, django_capture_on_commit_callbacks):
    activity = with_seed(lottery_activity(tree.jinan, prizes=(("一等奖", 1), ("二等奖", 2))))
    users = [make_member(tree.grassroots) for _ in range(6)]
    entries = entered(activity, [personas.worker, *users])
    with django_capture_on_commit_callbacks(execute=True):
        drawn = closed_and_drawn(activity, by=personas.city_cadre)

    lines = [lottery.entrant_line(e.pk, e.card_number) for e in entries]
    assert drawn.entrants_published == lines
    assert lines[0] == f"{entries[0].pk} 3701*******0001"  # the worker's card 370102000000001, masked
    assert drawn.entrants_hash == hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
    first, second = lottery.select_winners(SEED, drawn.entrants_hash, 7, [1, 2])
    assert prizes_of(activity) == {**{entries[p].pk: "一等奖" for p in first},
                                   **{entries[p].pk: "二等奖" for p in second}}
    assert len(prizes_of(activity)) == 3  # one prize per member
    assert drawn.status == "closed" and drawn.drawn_at is not None

    winners = sorted(entries[p].person_id for p in first + second)
    assert sorted(BehaviourEvent.objects.filter(kind="benefits.lottery.win").values_list(
        "person_id", flat=True)) == winners
    assert sorted(OutboxMessage.objects.filter(subject="恭喜您中奖了").values_list("user__person_id", flat=True)) == (
        winners)
    event = AuditEvent.objects.get(action="benefits.lottery.draw")
    assert (event.org_id, event.data) == (tree.jinan.pk, {
        "commitment": drawn.commitment, "seed": SEED, "entrants_hash": drawn.entrants_hash, "entrants": 7,
        "excluded": 0, "winners": 3})
    assert lottery.verify(drawn).problems == []


def test_fewer_entrants_than_prizes_fill_the_higher_tiers_first(tree):
    activity = with_seed(lottery_activity(tree.jinan, prizes=(("一等奖", 1), ("二等奖", 3), ("三等奖", 5))))
    entries = entered(activity, [make_member(tree.grassroots) for _ in range(3)])
    closed_and_drawn(activity)
    won = prizes_of(activity)
    assert sorted(won.values()) == ["一等奖", "二等奖", "二等奖"]
    assert set(won) == {e.pk for e in entries}


def test_winners_of_named_activities_are_left_out(tree, personas):
    earlier = with_seed(lottery_activity(tree.jinan, title="春节抽奖", prizes=(("一等奖", 2),)))
    users = [make_member(tree.grassroots) for _ in range(4)]
    entered(earlier, users)
    closed_and_drawn(earlier)
    earlier_winners = set(LotteryEntry.objects.filter(activity=earlier, prize__isnull=False).values_list(
        "person_id", flat=True))
    assert len(earlier_winners) == 2

    later = with_seed(lottery_activity(tree.jinan, title="端午抽奖", prizes=(("一等奖", 3),)), seed="cd" * 32)
    with pytest.raises(Forbidden):
        lottery.set_exclusions(later, [earlier], by=personas.other_city_cadre)
    lottery.set_exclusions(later, [earlier], by=personas.city_cadre)
    entries = entered(later, users)
    drawn = closed_and_drawn(later)
    eligible = [e for e in entries if e.person_id not in earlier_winners]
    assert drawn.entrants_published == [lottery.entrant_line(e.pk, e.card_number) for e in eligible]
    assert set(prizes_of(later)) == {e.pk for e in eligible}  # 3 prizes, 2 eligible: both win
    assert AuditEvent.objects.filter(action="benefits.lottery.draw").order_by("id").last().data["excluded"] == 2
    assert lottery.verify(drawn).problems == []
    with pytest.raises(StateError) as refused:  # entries exist: the exclusions are frozen
        lottery.set_exclusions(drawn, [], by=personas.city_cadre)
    assert refused.value.code == "rules_frozen"


def test_who_may_draw_and_when(tree, personas):
    activity = lottery_activity(tree.jinan)
    lottery.enter_lottery(activity, by=personas.worker)
    with pytest.raises(Forbidden):
        lottery.draw(activity, by=personas.grassroots_cadre)
    with pytest.raises(StateError) as refused:
        lottery.draw(activity, by=personas.city_cadre)
    assert (refused.value.code, refused.value.message) == ("not_closed", "抽奖尚未结束，请先结束活动再开奖")
    # Its end time passed: the draw closes it first (its own workflow step), then draws.
    Activity.objects.filter(pk=activity.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1),
                                                   starts_at=timezone.now() - dt.timedelta(hours=2))
    drawn = lottery.draw(Activity.objects.get(pk=activity.pk), by=personas.city_cadre)
    assert (drawn.status, list(prizes_of(activity).values())) == ("closed", ["一等奖"])
    assert list(AuditEvent.objects.filter(action__in=["benefits.activity.close", "benefits.lottery.draw"])
                .order_by("id").values_list("action", flat=True)) == [
        "benefits.activity.close", "benefits.lottery.draw"]
    with pytest.raises(StateError) as refused:
        lottery.draw(drawn, by=personas.city_cadre)
    assert refused.value.code == "already_drawn"


# Checking ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def drawn_lottery(tree, personas):
    activity = lottery_activity(tree.jinan, prizes=(("一等奖", 1), ("二等奖", 2)))
    entered(activity, [personas.worker, *[make_member(tree.grassroots) for _ in range(7)]])
    return closed_and_drawn(activity, by=personas.city_cadre)


def test_verify_detects_a_changed_entrant_list(drawn_lottery):
    lines = list(drawn_lottery.entrants_published)
    lines[1] = lines[1][:-1] + ("9" if lines[1][-1] != "9" else "8")
    Activity.objects.filter(pk=drawn_lottery.pk).update(entrants_published=lines)
    problems = lottery.verify(Activity.objects.get(pk=drawn_lottery.pk)).problems
    assert problems[:2] == ["公示名单与公布的名单摘要不符", "公示名单与数据库中的抽奖登记不一致"]


def test_verify_detects_a_changed_seed_and_a_changed_winner(drawn_lottery):
    Activity.objects.filter(pk=drawn_lottery.pk).update(seed="0" * 64)
    problems = lottery.verify(Activity.objects.get(pk=drawn_lottery.pk)).problems
    assert problems[0] == "随机种子与创建活动时公布的承诺值不符"

    Activity.objects.filter(pk=drawn_lottery.pk).update(seed=drawn_lottery.seed)
    winner = LotteryEntry.objects.filter(activity=drawn_lottery, prize__rank=1).get()
    loser = LotteryEntry.objects.filter(activity=drawn_lottery, prize__isnull=True).first()
    LotteryEntry.objects.filter(pk=winner.pk).update(prize=None)
    LotteryEntry.objects.filter(pk=loser.pk).update(prize=winner.prize)
    assert lottery.verify(Activity.objects.get(pk=drawn_lottery.pk)).problems == [
        f"“一等奖”的中奖抽奖号应为 [{winner.pk}]，实际为 [{loser.pk}]"]


def test_the_command_checks_a_lottery_from_the_database(drawn_lottery, capsys):
    call_command("verify-lottery", str(drawn_lottery.pk))
    assert capsys.readouterr().out.startswith(f"OK 抽奖活动 {drawn_lottery.pk}：随机种子与承诺值相符，参与名单 8 人")
    Activity.objects.filter(pk=drawn_lottery.pk).update(seed="1" * 64)
    with pytest.raises(CommandError) as failed:
        call_command("verify_lottery", str(drawn_lottery.pk))
    assert failed.value.returncode == 1
    assert "不一致：随机种子与创建活动时公布的承诺值不符" in capsys.readouterr().out


def run_script(path):
    return subprocess.run([sys.executable, "-I", str(SCRIPT), str(path)], capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_standalone_script_checks_the_published_json(drawn_lottery, tmp_path):
    published = json.loads(json.dumps(lottery.publication(drawn_lottery), cls=DjangoJSONEncoder))
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published, ensure_ascii=False), encoding="utf-8")
    ok = run_script(path)
    assert (ok.returncode, ok.stdout.split(":")[0]) == (0, f"OK lottery {drawn_lottery.pk}")

    changed = dict(published, entrants=[*published["entrants"]])
    ticket, card = changed["entrants"][3].split(" ")
    changed["entrants"][3] = f"{ticket} {card[:-1]}{'9' if card[-1] != '9' else '8'}"
    path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    differs = run_script(path)
    assert differs.returncode == 1
    assert differs.stdout.splitlines()[0].startswith("DIFFERS entrants_hash: the list hashes to ")

    moved = dict(published, winners=[dict(w) for w in published["winners"]])
    losers = [int(line.split(" ")[0]) for line in published["entrants"]
              if int(line.split(" ")[0]) not in {w["ticket"] for w in published["winners"]}]
    moved["winners"][0]["ticket"] = losers[0]
    path.write_text(json.dumps(moved), encoding="utf-8")
    differs = run_script(path)
    assert differs.returncode == 1
    assert differs.stdout.startswith("DIFFERS winners of rank 1 (一等奖): expected tickets ")

    path.write_text(json.dumps(dict(published, seed="2" * 64)), encoding="utf-8")
    differs = run_script(path)
    assert differs.returncode == 1
    assert differs.stdout.startswith("DIFFERS seed: SHA-256 of the seed does not match the commitment")


def test_before_the_draw_only_the_commitment_is_published(tree, tmp_path):
    activity = lottery_activity(tree.jinan)
    published = lottery.publication(activity)
    assert (published["commitment"], published["seed"], published["entrants"], published["winners"]) == (
        hashlib.sha256(activity.seed.encode()).hexdigest(), None, None, None)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published, cls=DjangoJSONEncoder), encoding="utf-8")
    assert run_script(path).returncode == 2
