"""Articles through their review chain: draft → 初审 → 终审 → 签发 → scheduled / published → withdrawn (or expired).

Each step is taken by a cadre holding the step's role in the article's org or above (editorial/rules.py), with a
comment; a reviewer may send the article back to its draft with a reason. Every save is a new revision, and a save
based on an older revision than the article's is refused with the newer revision's number (two editors never
overwrite one another). The sensitive-word check runs at every save and before every step: a word of the block
level refuses the save or step, with every hit; warn-level hits are returned with the save and must be confirmed
(`confirm_warnings=True`) before a step. `run_schedule` publishes signed articles whose go-live time has come and
takes down those whose expiry has passed; it is safe to run twice (a step is taken from the locked row's state).

Images: the cover (`cover=` of `create_article` and `save_article`: an uploaded file sets or replaces it, None
removes it, leaving it out keeps it) and the body's images (`store_body_image`, called by the editor as an image is
inserted) are checked by their first bytes (core/uploads.py: JPEG, PNG, GIF or WebP, at most 5 MB) and stored under
a random name; both are public once the article is (portal/news_views.py serves editorial/ uploads). A replaced or
removed cover's file stays: a pool's copies of the article may share it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from smartunion.core.actors import SYSTEM, require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.diff import line_diff
from smartunion.core.errors import Conflict, Forbidden, Invalid, StateError
from smartunion.core.uploads import check_image
from smartunion.core.workflow import Transition, Workflow, transition
from smartunion.editorial import html, sensitive
from smartunion.editorial.errors import SensitiveWordsFound
from smartunion.editorial.models import Article, ArticleRevision, SensitiveWord
from smartunion.editorial.rules import may_final_review, may_first_review, may_sign, may_write
from smartunion.orgs.models import Organisation

S = Article.Status
MAX_TAGS = 10
MAX_BODY = 100_000
BODY_IMAGES = "editorial/images"
# `save_article(cover=KEEP)`: the cover stays as it is.
KEEP: Any = object()


def _is_system(by) -> bool:
    return by is SYSTEM


def _reviewer_of_stage(by, article) -> bool:
    """The one whose step it is may send the article back."""
    return {
        S.FIRST_REVIEW: may_first_review, S.FINAL_REVIEW: may_final_review, S.SIGN_OFF: may_sign,
    }[article.status](by, article)


def _stamp_publish(article, step) -> dict:
    return {"published_at": timezone.now()}


ARTICLE_WORKFLOW = Workflow(
    name="editorial.article", field="status", state_labels=dict(S.choices), org_of=lambda article: article.org,
    transitions=[
        Transition("submit", source=S.DRAFT, target=S.FIRST_REVIEW, label="送审", allowed=may_write),
        Transition("pass_first", source=S.FIRST_REVIEW, target=S.FINAL_REVIEW, label="初审通过",
                   allowed=may_first_review),
        Transition("pass_final", source=S.FINAL_REVIEW, target=S.SIGN_OFF, label="终审通过", allowed=may_final_review),
        Transition("sign", source=S.SIGN_OFF, target=S.SCHEDULED, label="签发", allowed=may_sign),
        Transition("send_back", source=(S.FIRST_REVIEW, S.FINAL_REVIEW, S.SIGN_OFF), target=S.DRAFT, label="退回修改",
                   allowed=_reviewer_of_stage, note_required=True),
        Transition("publish", source=S.SCHEDULED, target=S.PUBLISHED, label="发布",
                   allowed=lambda by, a: _is_system(by) or may_sign(by, a), apply=_stamp_publish),
        Transition("withdraw", source=(S.SCHEDULED, S.PUBLISHED), target=S.WITHDRAWN, label="撤回", allowed=may_sign,
                   note_required=True),
        Transition("expire", source=S.PUBLISHED, target=S.EXPIRED, label="到期下线",
                   allowed=lambda by, a: _is_system(by)),
        Transition("redraft", source=(S.WITHDRAWN, S.EXPIRED), target=S.DRAFT, label="重新编辑", allowed=may_write),
    ],
)
# Steps that move an article forward through review: the sensitive-word check runs before each.
CHECKED_STEPS = {"submit", "pass_first", "pass_final", "sign"}
# Who may edit in each state: the writers in the draft, then whoever's step it is.
EDITABLE: dict[str, Callable[[Any, Any], bool]] = {
    S.DRAFT: may_write, S.FIRST_REVIEW: may_first_review, S.FINAL_REVIEW: may_final_review, S.SIGN_OFF: may_sign,
}


@dataclass
class Saved:
    article: Article
    warnings: list[dict] = field(default_factory=list)  # warn-level hits (Hit.as_dict() and field), saved anyway


def _clean_fields(values: dict) -> dict:
    errors: dict[str, str] = {}
    title = str(values.get("title") or "").strip()
    if not title or len(title) > 100:
        errors["title"] = "请填写标题（最多 100 个字）"
    summary = str(values.get("summary") or "").strip()
    if len(summary) > 300:
        errors["summary"] = "摘要不能超过 300 个字"
    body = html.clean(str(values.get("body") or ""))
    text = html.text_of(body)
    if not text:
        errors["body"] = "请填写正文"
    elif len(body) > MAX_BODY:
        errors["body"] = f"正文过长（上限 {MAX_BODY} 个字符）"
    tags = [str(t).strip() for t in (values.get("tags") or []) if str(t).strip()]
    if len(tags) > MAX_TAGS or any(len(t) > 20 for t in tags):
        errors["tags"] = f"标签最多 {MAX_TAGS} 个，每个不超过 20 个字"
    origin = values.get("origin") or Article.Origin.ORIGINAL
    if origin not in Article.Origin.values:
        errors["origin"] = "来源类型应为原创或转载"
    source = str(values.get("source") or "").strip()
    if origin == Article.Origin.REPRINT and not source:
        errors["source"] = "转载的稿件请注明来源"
    go_live, expires = values.get("go_live_at"), values.get("expires_at")
    if go_live and expires and expires <= go_live:
        errors["expires_at"] = "下线时间应晚于定时发布时间"
    if errors:
        raise Invalid.from_fields(errors)
    return {"title": title, "summary": summary, "body": body, "body_text": text, "tags": list(dict.fromkeys(tags)),
            "author": str(values.get("author") or "").strip()[:50], "origin": origin, "source": source[:100],
            "source_url": str(values.get("source_url") or "").strip()[:300], "go_live_at": go_live,
            "expires_at": expires}


FIELDS = (("title", "标题"), ("summary", "摘要"), ("body_text", "正文"))


def _check_words(values: dict) -> list[dict]:
    """Warn-level hits of the title, summary and body (each hit a dict with its `field`, positions within that
    field); block-level hits refuse, every hit listed."""
    hits: list[dict] = []
    blocking: list[str] = []
    for name, label in FIELDS:
        for hit in sensitive.check(values[name]):
            hits.append({**hit.as_dict(), "field": "body" if name == "body_text" else name})
            if hit.level == SensitiveWord.Level.BLOCK:
                blocking.append(label + sensitive.describe(hit))
    if blocking:
        raise SensitiveWordsFound("稿件含有禁用词，请修改后再保存：" + "；".join(blocking), hits=hits)
    return hits


def _revision(article: Article, by) -> None:
    ArticleRevision.objects.create(article=article, number=article.revision, title=article.title,
                                   summary=article.summary, body=article.body, body_text=article.body_text,
                                   saved_by=user_or_none(by))


def _checked_image(file, field: str) -> str:
    """The extension to store an uploaded image under, or Invalid naming `field` with the check's message."""
    try:
        return check_image(file).extension
    except ValidationError as exc:
        raise Invalid.from_fields({field: exc.messages[0]}, message=exc.messages[0], code="bad_image") from exc


def _set_cover(article: Article, file, extension: str) -> None:
    file.seek(0)
    article.cover.save(f"{uuid.uuid4().hex}{extension}", file, save=False)


def store_body_image(file, *, by, org: Organisation | None = None) -> str:
    """Store an image inserted into an article's body (checked as a cover is) under editorial/images/<year>/<month>/
    with a random name; its URL (under MEDIA_URL, the one the sanitiser keeps in a body)."""
    require_actor(by)
    extension = _checked_image(file, "file")
    now = timezone.localtime()
    file.seek(0)
    name = default_storage.save(f"{BODY_IMAGES}/{now:%Y/%m}/{uuid.uuid4().hex}{extension}", file)
    log_event("editorial.image.upload", actor=by, org=org, data={"name": name, "size": file.size})
    return default_storage.url(name)


def create_article(*, by, org: Organisation, cover=None, **values) -> Saved:
    """A new draft; `cover` an uploaded image (or None)."""
    require_actor(by)
    if not may_write(by, Article(org=org, org_path=org.path)):
        raise Forbidden("只有本单位或上级单位的编辑、管理员和主席可以撰写稿件")
    cleaned = _clean_fields(values)
    extension = _checked_image(cover, "cover") if cover is not None else ""
    warnings = _check_words(cleaned)
    with transaction.atomic():
        article = Article(org=org, created_by=user_or_none(by), **cleaned)
        if cover is not None:
            _set_cover(article, cover, extension)
        article.save()
        _revision(article, by)
        log_event("editorial.article.create", actor=by, target=article, org=org,
                  data={"title": article.title, "warnings": len(warnings)})
    return Saved(article, warnings)


def save_article(article: Article, *, by, base_revision: int, cover=KEEP, **values) -> Saved:
    """Save a new revision. `base_revision` is the revision the editor started from: if someone saved since, the
    save is refused with code `stale_revision` (the editor reloads, sees the diff and saves again). `cover`: an
    uploaded image sets or replaces the cover, None removes it, KEEP (left out) keeps it."""
    require_actor(by)
    cleaned = _clean_fields(values)
    extension = _checked_image(cover, "cover") if cover is not KEEP and cover is not None else ""
    warnings = _check_words(cleaned)
    with transaction.atomic():
        locked = Article.objects.select_for_update().select_related("org").get(pk=article.pk)
        allowed = EDITABLE.get(locked.status)
        if allowed is None:
            raise Conflict(f"稿件{locked.get_status_display()}，不能修改；如需修改请先撤回后重新编辑",
                           code="not_editable")
        if not allowed(by, locked):
            raise Forbidden("当前环节不能由您修改该稿件")
        if int(base_revision) != locked.revision:
            raise Conflict(f"该稿件已被他人修改为第 {locked.revision} 版（您编辑的是第 {base_revision} 版），"
                           "请查看最新版本和差异后再保存", code="stale_revision")
        changed = [name for name, value in cleaned.items() if getattr(locked, name) != value]
        if cover is not KEEP and (cover is not None or locked.cover):
            changed.append("cover")
        if not changed:
            return Saved(locked, warnings)
        for name in changed:
            if name != "cover":
                setattr(locked, name, cleaned[name])
        if "cover" in changed:
            if cover is None:
                locked.cover = ""
            else:
                _set_cover(locked, cover, extension)
        locked.revision += 1
        locked.save()
        _revision(locked, by)
        log_event("editorial.article.save", actor=by, target=locked, org=locked.org,
                  data={"revision": locked.revision, "changed": changed, "warnings": len(warnings)})
    return Saved(locked, warnings)


def step(article: Article, action: str, *, by, note: str = "", confirm_warnings: bool = False) -> Article:
    """Take one review step. Forward steps re-run the sensitive-word check on the current revision."""
    require_actor(by)
    if action in CHECKED_STEPS:
        current = Article.objects.get(pk=article.pk)
        hits = _check_words({"title": current.title, "summary": current.summary, "body_text": current.body_text})
        if hits and not confirm_warnings:
            listed = "；".join(f"“{hit['text']}”（{hit['category_label']}）" for hit in hits)
            raise SensitiveWordsFound(f"稿件含有需要确认的提示词：{listed}。确认无误后请勾选“已核对提示词”再提交",
                                      code="sensitive_warnings", hits=hits)
    result = transition(article, action, workflow=ARTICLE_WORKFLOW, by=by, note=note,
                        data={"revision": article.revision})
    if action == "sign" and (result.go_live_at is None or result.go_live_at <= timezone.now()):
        result = transition(result, "publish", workflow=ARTICLE_WORKFLOW, by=by)
    if action == "withdraw":
        # After the step's transaction: the platforms are called outside it.
        from smartunion.editorial.services.publishing import withdraw_everywhere

        withdraw_everywhere(result, by=by)
    return result


def run_schedule(*, by=SYSTEM, now: dt.datetime | None = None) -> dict[str, int]:
    """Publish the signed articles whose go-live time has come, take down the expired ones. Safe to run twice."""
    require_actor(by)
    now = now or timezone.now()
    counts = {"published": 0, "expired": 0}
    for article in Article.objects.filter(status=S.SCHEDULED, go_live_at__lte=now).order_by("go_live_at", "id"):
        if _try(article, "publish", by):
            counts["published"] += 1
    for article in Article.objects.filter(status=S.PUBLISHED, expires_at__lte=now).order_by("expires_at", "id"):
        if _try(article, "expire", by):
            counts["expired"] += 1
    return counts


def _try(article, action, by) -> bool:
    try:
        transition(article, action, workflow=ARTICLE_WORKFLOW, by=by)
    except StateError:  # another run took the step meanwhile
        return False
    return True


def diff(older: ArticleRevision, newer: ArticleRevision) -> list[tuple[str, str]]:
    """The changes between two revisions' texts, line by line: ("equal" | "delete" | "insert", line), the title
    first when it changed."""
    return line_diff(older.title, newer.title, older.body_text, newer.body_text)
