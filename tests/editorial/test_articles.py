"""Articles through 初审/终审/签发: every allowed step and forbidden ones, sending back, the stale-revision refusal,
the sensitive-word check at save and before steps, sanitised bodies, scheduled go-live and expiry run twice, and
the revision diff."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from tests.conftest import make_user

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.core.errors import Conflict, Forbidden, Invalid
from smartunion.core.workflow import TransitionError, TransitionForbidden, history
from smartunion.editorial import sensitive
from smartunion.editorial.errors import SensitiveWordsFound
from smartunion.editorial.models import Article, ArticleRevision
from smartunion.editorial.services.articles import (
    ARTICLE_WORKFLOW,
    create_article,
    diff,
    run_schedule,
    save_article,
    step,
)
from smartunion.editorial.services.words import add_word
from smartunion.orgs import services as org_services
from smartunion.orgs.models import Position

R = Position.Role
S = Article.Status
BODY = "<p>全市职工运动会开幕。</p><p>共有三千名职工参加。</p>"


@pytest.fixture
def desk(tree):
    sensitive.word_list_changed()

    def cadre(username, org, role):
        user = make_user(username)
        org_services.position_grant(user=user, org=org, role=role, by=SYSTEM)
        return user

    return SimpleNamespace(
        editor=cadre("editor", tree.jinan, R.EDITOR),
        first=cadre("first", tree.jinan, R.FIRST_REVIEWER),
        final=cadre("final", tree.province, R.FINAL_REVIEWER),  # a role above counts too
        signer=cadre("signer", tree.jinan, R.SIGNER),
        qingdao_signer=cadre("qingdao_signer", tree.qingdao, R.SIGNER),
        county_editor=cadre("county_editor", tree.lixia, R.EDITOR),
    )


def draft(tree, desk, **values):
    return create_article(by=desk.editor, org=tree.jinan, title="职工运动会开幕", summary="三千职工参加",
                          body=BODY, **values).article


def test_the_whole_chain_to_publication(tree, desk):
    article = draft(tree, desk)
    assert (article.status, article.revision) == (S.DRAFT, 1)
    assert article.body_text == "全市职工运动会开幕。\n共有三千名职工参加。"
    article = step(article, "submit", by=desk.editor)
    article = step(article, "pass_first", by=desk.first, note="文字通顺")
    article = step(article, "pass_final", by=desk.final)
    article = step(article, "sign", by=desk.signer)
    assert article.status == S.PUBLISHED
    assert article.published_at is not None
    steps = [(h.action, h.from_state, h.to_state, h.actor_id) for h in history(ARTICLE_WORKFLOW, article)]
    assert steps == [("submit", "draft", "first_review", desk.editor.pk),
                     ("pass_first", "first_review", "final_review", desk.first.pk),
                     ("pass_final", "final_review", "sign_off", desk.final.pk),
                     ("sign", "sign_off", "scheduled", desk.signer.pk),
                     ("publish", "scheduled", "published", desk.signer.pk)]
    assert AuditEvent.objects.get(action="editorial.article.pass_first").data == {
        "from": "first_review", "to": "final_review", "note": "文字通顺", "revision": 1}


def test_each_step_needs_its_own_role_in_the_org_or_above(tree, desk):
    article = draft(tree, desk)
    with pytest.raises(TransitionForbidden):
        step(article, "submit", by=desk.county_editor)  # an editor below the article's org
    article = step(article, "submit", by=desk.editor)
    for who in (desk.editor, desk.signer, desk.final):
        with pytest.raises(TransitionForbidden):
            step(article, "pass_first", by=who)
    article = step(article, "pass_first", by=desk.first)
    article = step(article, "pass_final", by=desk.final)
    with pytest.raises(TransitionForbidden):
        step(article, "sign", by=desk.qingdao_signer)  # another city's signer
    with pytest.raises(TransitionError) as wrong_state:
        step(article, "pass_first", by=desk.first)
    assert wrong_state.value.message == "当前状态为“待签发”，不能执行“初审通过”"
    # A chair may take every step.
    assert step(article, "sign", by=_chair(tree)).status == S.PUBLISHED


def _chair(tree):
    chair = make_user("jinan_chair")
    org_services.position_grant(user=chair, org=tree.jinan, role=R.CHAIR, by=SYSTEM)
    return chair


def test_send_back_needs_a_reason_and_returns_to_the_draft(tree, desk):
    article = step(draft(tree, desk), "submit", by=desk.editor)
    with pytest.raises(TransitionError) as no_reason:
        step(article, "send_back", by=desk.first)
    assert no_reason.value.code == "note_required"
    article = step(article, "send_back", by=desk.first, note="第二段数字请核实")
    assert article.status == S.DRAFT
    with pytest.raises(TransitionForbidden):
        step(step(article, "submit", by=desk.editor), "send_back", by=desk.editor, note="自己退回")


def test_a_save_based_on_an_older_revision_is_refused(tree, desk):
    article = draft(tree, desk)
    first = save_article(article, by=desk.editor, base_revision=1, title="职工运动会隆重开幕", body=BODY).article
    assert (first.revision, ArticleRevision.objects.filter(article=article).count()) == (2, 2)
    other_editor = make_user("other_editor")
    org_services.position_grant(user=other_editor, org=tree.jinan, role=R.EDITOR, by=SYSTEM)
    with pytest.raises(Conflict) as stale:
        save_article(article, by=other_editor, base_revision=1, title="职工运动会开幕了", body=BODY)
    assert (stale.value.code, stale.value.message) == (
        "stale_revision", "该稿件已被他人修改为第 2 版（您编辑的是第 1 版），请查看最新版本和差异后再保存")
    assert Article.objects.get().title == "职工运动会隆重开幕"
    # The same content again makes no new revision.
    same = save_article(first, by=desk.editor, base_revision=2, title="职工运动会隆重开幕", body=BODY).article
    assert same.revision == 2


def test_only_the_current_stage_edits_and_a_published_article_is_not_edited(tree, desk):
    article = step(draft(tree, desk), "submit", by=desk.editor)
    with pytest.raises(Forbidden):
        save_article(article, by=desk.editor, base_revision=1, title="改标题", body=BODY)
    assert save_article(article, by=desk.first, base_revision=1, title="初审改标题", body=BODY).article.revision == 2
    article = step(step(step(Article.objects.get(), "pass_first", by=desk.first), "pass_final", by=desk.final),
                   "sign", by=desk.signer)
    with pytest.raises(Conflict) as refused:
        save_article(article, by=desk.signer, base_revision=2, title="发布后改", body=BODY)
    assert refused.value.code == "not_editable"


def test_sensitive_words_block_saving_and_warnings_must_be_confirmed_before_a_step(tree, desk):
    add_word(by=SYSTEM, word="网络赌博", category="illegal", level="block")
    add_word(by=SYSTEM, word="农民工", category="wording", level="warn", suggestion="进城务工人员")
    with pytest.raises(SensitiveWordsFound) as blocked:
        create_article(by=desk.editor, org=tree.jinan, title="提醒", body="<p>远离網絡 賭博</p>")
    assert blocked.value.message == "稿件含有禁用词，请修改后再保存：正文第3字“網絡 賭博”（违法违规，禁用）"
    assert Article.objects.count() == 0
    saved = create_article(by=desk.editor, org=tree.jinan, title="关爱农民工", body=BODY)
    assert [(h["field"], h["word"], h["start"]) for h in saved.warnings] == [("title", "农民工", 2)]
    with pytest.raises(SensitiveWordsFound) as warned:
        step(saved.article, "submit", by=desk.editor)
    assert (warned.value.code, warned.value.message) == (
        "sensitive_warnings", "稿件含有需要确认的提示词：“农民工”（不规范表述）。确认无误后请勾选“已核对提示词”再提交")
    assert warned.value.hits[0]["suggestion"] == "进城务工人员"
    assert step(saved.article, "submit", by=desk.editor, confirm_warnings=True).status == S.FIRST_REVIEW


def test_bodies_are_sanitised_and_reprints_name_their_source(tree, desk):
    article = create_article(by=desk.editor, org=tree.jinan, title="标题",
                             body='<p onclick="x()">正文<script>alert(1)</script><a href="javascript:x">链接</a></p>'
                                  '<img src="https://example.org/a.png" onerror="x()">').article
    assert article.body == '<p>正文<a rel="noopener noreferrer">链接</a></p>'
    with pytest.raises(Invalid) as refused:
        create_article(by=desk.editor, org=tree.jinan, title=" ", body="<p> </p>", origin="reprint")
    assert refused.value.fields == {"title": "请填写标题（最多 100 个字）", "body": "请填写正文",
                                    "source": "转载的稿件请注明来源"}


def test_scheduled_go_live_and_expiry_run_twice_change_nothing_the_second_time(tree, desk):
    now = timezone.now()
    article = draft(tree, desk, go_live_at=now + dt.timedelta(hours=2), expires_at=now + dt.timedelta(days=3))
    for action, who in (("submit", desk.editor), ("pass_first", desk.first), ("pass_final", desk.final),
                        ("sign", desk.signer)):
        article = step(article, action, by=who)
    assert article.status == S.SCHEDULED
    assert run_schedule(by=SYSTEM, now=now + dt.timedelta(hours=1)) == {"published": 0, "expired": 0}
    assert run_schedule(by=SYSTEM, now=now + dt.timedelta(hours=3)) == {"published": 1, "expired": 0}
    assert run_schedule(by=SYSTEM, now=now + dt.timedelta(hours=3)) == {"published": 0, "expired": 0}
    assert run_schedule(by=SYSTEM, now=now + dt.timedelta(days=4)) == {"published": 0, "expired": 1}
    assert run_schedule(by=SYSTEM, now=now + dt.timedelta(days=4)) == {"published": 0, "expired": 0}
    assert Article.objects.get().status == S.EXPIRED
    assert AuditEvent.objects.filter(action__in=["editorial.article.publish", "editorial.article.expire"]).count() == 2


def test_withdraw_needs_a_signer_and_a_reason(tree, desk):
    article = draft(tree, desk)
    for action, who in (("submit", desk.editor), ("pass_first", desk.first), ("pass_final", desk.final),
                        ("sign", desk.signer)):
        article = step(article, action, by=who)
    with pytest.raises(TransitionForbidden):
        step(article, "withdraw", by=desk.editor, note="有误")
    article = step(article, "withdraw", by=desk.signer, note="数据有误")
    assert article.status == S.WITHDRAWN
    assert step(article, "redraft", by=desk.editor).status == S.DRAFT


def test_diff_between_two_revisions(tree, desk):
    article = draft(tree, desk)
    save_article(article, by=desk.editor, base_revision=1, title="职工运动会隆重开幕",
                 body="<p>全市职工运动会开幕。</p><p>共有五千名职工参加。</p><p>比赛为期三天。</p>")
    first, second = ArticleRevision.objects.filter(article=article).order_by("number")
    assert diff(first, second) == [
        ("delete", "标题：职工运动会开幕"), ("insert", "标题：职工运动会隆重开幕"),
        ("equal", "全市职工运动会开幕。"),
        ("delete", "共有三千名职工参加。"), ("insert", "共有五千名职工参加。"), ("insert", "比赛为期三天。"),
    ]
