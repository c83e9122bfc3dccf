"""Audit actions as people read them: every action the code logs has a Chinese label (the apps declare them), and an
event's data reads as words: keys translated, coded values by their labels, times as YYYY-MM-DD HH:MM, no JSON."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import smartunion
from smartunion.core import audit
from smartunion.core.workflow import Workflow

SRC = Path(smartunion.__file__).parent
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _constants(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def logged_actions() -> set[str]:
    """Every action passed to log_event in the code: a string, one of the strings of an expression ("a" if x else
    "b"), or a name assigned such strings in the same module."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, set()).update(_constants(node.value))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "log_event" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Name):
                found |= assigned.get(first.id, set())
            elif isinstance(first, ast.JoinedStr):
                continue  # the workflow's f"{workflow.name}.{action}": checked through the workflows below
            else:
                found |= _constants(first)
    return {action for action in found if audit.ACTION_PATTERN.match(action)}


def workflow_actions() -> set[str]:
    """The steps of every workflow the apps declare, as their audit actions."""
    from smartunion.members.services.join import JOIN_WORKFLOW
    from smartunion.members.services.transfers import TRANSFER_WORKFLOW
    from smartunion.orgs.services import ORG_STATUS

    workflows: list[Workflow] = [JOIN_WORKFLOW, TRANSFER_WORKFLOW, ORG_STATUS]
    return {f"{workflow.name}.{action}" for workflow in workflows for action in workflow.actions}


def test_the_scan_finds_the_actions_it_should():
    actions = logged_actions()
    # Direct, from a variable (the lock-out's two), from the console, and from a management command.
    assert {"orgs.organisation.create", "accounts.user.lock", "accounts.user.unlock_throttle",
            "console.list.export", "core.database.backup", "members.person.search"} <= actions
    assert len(actions) >= 50


def test_every_action_the_code_logs_has_a_chinese_label():
    labels = audit.registered_actions()
    missing = sorted((logged_actions() | workflow_actions()) - set(labels))
    assert missing == []
    assert [action for action, label in labels.items() if not CHINESE.search(label)] == []


def test_an_unknown_action_shows_its_code():
    assert audit.action_label("members.join_application.approve") == "审批通过入会申请"
    assert audit.action_label("old.thing.done") == "old.thing.done"


def test_a_label_is_declared_once():
    audit.register_actions({"orgs.organisation.create": "新建工会组织"})  # the same again: harmless
    with pytest.raises(ValueError, match="already registered"):
        audit.register_actions({"orgs.organisation.create": "建立组织"})
    with pytest.raises(ValueError, match="dotted"):
        audit.register_actions({"Create Org": "建立组织"})
    with pytest.raises(ValueError, match="label"):
        audit.register_actions({"tests.thing.done": " "})


def test_workflow_steps_read_with_their_state_labels():
    assert audit.readable_data("members.join_application.approve", {"from": "pending", "to": "approved", "note": ""}) \
        == [("原状态", "待审核"), ("新状态", "已通过")]
    assert audit.readable_text("members.transfer.release", {"from": "approved", "to": "completed", "note": "同意"}) \
        == "原状态：接收方已同意；新状态：已完成；说明：同意"
    # A forward names the org it went to (an id), not a state: the action's own word comes first.
    assert audit.readable_text("members.join_application.forward", {"from": "pending", "to": 12}) \
        == "转交至组织编号：12；原状态：待审核"


def test_the_words_follow_the_declared_order_not_the_stored_one():
    """PostgreSQL's jsonb stores keys sorted by length: the words must read the same whatever order data comes in."""
    data = {"note": "同意", "to": "completed", "from": "approved"}
    assert audit.readable_text("members.transfer.release", data) == "原状态：接收方已同意；新状态：已完成；说明：同意"
    assert audit.readable_text("console.list.export", {"masked": True, "count": 2, "list": "members.membership"}) \
        == "列表：会籍；数量：2；脱敏：是"


def test_data_reads_as_words():
    assert audit.readable_text("orgs.position.grant", {"user": 3, "role": "chair"}) == "账号编号：3；职务：主席"
    assert audit.readable_text("orgs.organisation.create", {"kind": "grassroots", "parent": 7}) \
        == "类型：基层工会；上级组织编号：7"
    assert audit.readable_text("orgs.organisation.update", {"fields": ["name", "contact_phone"]},
                               target_type="orgs.organisation") == "涉及字段：名称、联系电话"
    assert audit.readable_text("members.person.reveal", {"fields": ["id_number", "phone", "address"],
                                                         "reason": "核对会籍"}, target_type="members.person") \
        == "查看的信息：身份证号码、手机号码、住址；原因：核对会籍"
    assert audit.readable_text("members.transfer.recompute_deadline", {
        "from": "2027-01-04T17:30:00+08:00", "to": "2027-01-06T09:00:00+00:00", "estimated": True}) \
        == "原期限：2027-01-04 17:30；新期限：2027-01-06 17:00；按预估假期计算：是"
    assert audit.readable_text("members.person.search", {"by": "id_number", "results": 1,
                                                         "where": "console.people_search"}) \
        == "查找方式：身份证号码；结果数：1；页面：管理后台·查找人员"
    assert audit.readable_text("console.list.export", {"list": "members.membership", "count": 2,
                                                       "filters": ["状态：正常", "搜索：张"], "masked": True}) \
        == "列表：会籍；数量：2；筛选条件：状态：正常、搜索：张；脱敏：是"
    assert audit.readable_text("tests.thing.done", {"unknown_key": {"a": 1}, "list": []}) == "unknown_key：a：1"
