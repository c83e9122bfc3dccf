"""/api/v1 new media (新媒体宣传): the sensitive-word check, articles through their review chain, revisions and
diffs, one-click publishing to channels with retries, pools down and up the tree, channels and their ranking.

Every list is scoped to the orgs where the caller holds an editorial role (or above); an article, pool item or
channel outside that answers 404 like a missing one. A refusal for sensitive words carries every hit in
`details.hits` (position, text, word, category, level, suggestion, field)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema, Status
from pydantic import Field

from smartunion.api.errors import ApiError
from smartunion.api.schemas import CHOICE_INPUT, NOTE_INPUT, SEARCH_INPUT, ErrorOut, text
from smartunion.core.pagination import paginate
from smartunion.editorial import reach, sensitive
from smartunion.editorial.models import Article, ArticleRevision, Channel, PoolItem, Publication
from smartunion.editorial.queries import desk_articles, desk_channels, incoming_pool
from smartunion.editorial.services import articles, pools, publishing
from smartunion.editorial.services.articles import ARTICLE_WORKFLOW
from smartunion.orgs.models import Organisation
from smartunion.orgs.queries import get_visible_or_404

router = Router(tags=["新媒体宣传"])
ANSWERS = {200: dict, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_BODY = articles.MAX_BODY


# An object id in a list: bounded like the database's integers (a larger number would overflow the query).
ObjectId = Annotated[int, Field(ge=1, le=9_223_372_036_854_775_807)]


class CheckIn(Schema):
    text: str = text("待检测文本", 100_000)


class ArticleFields(Schema):
    title: str = text("标题", 100)
    summary: str = text("摘要", 300, "")
    body: str = text("正文（HTML）", MAX_BODY)
    author: str = text("作者", 50, "")
    tags: list[Annotated[str, Field(max_length=20)]] = Field([], max_length=10)
    origin: str = text("来源类型", CHOICE_INPUT, "original", description="original 原创 或 reprint 转载")
    source: str = text("来源", 100, "")
    source_url: str = text("原文链接", 300, "")
    go_live_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None


class ArticleIn(ArticleFields):
    org_id: int


class ArticleSave(ArticleFields):
    base_revision: int = Field(description="编辑所基于的版本号；他人已保存更新版本时返回 409 stale_revision")


class StepIn(Schema):
    note: str = text("意见", NOTE_INPUT, "")
    confirm_warnings: bool = False


class ChannelsIn(Schema):
    channel_ids: list[ObjectId] = Field(max_length=50)


class RetryIn(Schema):
    publication_ids: list[ObjectId] = Field(max_length=500)


class DistributeIn(Schema):
    org_ids: list[ObjectId] | None = Field(None, max_length=5000, description="不填则下发到下级全部宣传单位")
    note: str = text("说明", NOTE_INPUT, "")


class EditorialReasonIn(Schema):
    reason: str = text("原因", 200)


class ChannelIn(Schema):
    org_id: int
    kind: str = text("平台", CHOICE_INPUT)
    name: str = text("账号名称", 50)
    account: str = text("账号标识", 100, "")


class DeskParams(Schema):
    page: int = 1
    page_size: int = 20
    status: str = Field("", max_length=CHOICE_INPUT)
    q: str = Field("", max_length=SEARCH_INPUT)


class PoolParams(Schema):
    page: int = 1
    page_size: int = 20
    direction: str = Field("", max_length=CHOICE_INPUT)
    status: str = Field("", max_length=CHOICE_INPUT)


class RankingParams(Schema):
    org_id: int
    year: int = Field(ge=2000, le=2100)
    month: int = Field(ge=1, le=12)
    kind: str = Field("", max_length=CHOICE_INPUT)
    org_kind: str = Field("", max_length=CHOICE_INPUT)


def article_out(a: Article, *, user=None, body: bool = False) -> dict:
    out = {"id": a.pk, "org": {"id": a.org_id, "name": a.org.name}, "title": a.title, "summary": a.summary,
           "status": a.status, "status_label": a.get_status_display(), "revision": a.revision,
           "origin": a.origin, "source": a.source, "tags": a.tags, "author": a.author, "go_live_at": a.go_live_at,
           "expires_at": a.expires_at, "published_at": a.published_at, "read_count": a.read_count,
           "updated_at": a.updated_at,
           # The cover's site-relative URL (under MEDIA_URL, served by the portal), or None.
           "cover_url": a.cover.url if a.cover else None}
    if body:
        out["body"] = a.body
    if user is not None:
        out["actions"] = [{"action": t.action, "label": t.label, "note_required": t.note_required}
                          for t in ARTICLE_WORKFLOW.available(a, user)]
    return out


def publication_out(p: Publication) -> dict:
    return {"id": p.pk, "channel": {"id": p.channel_id, "name": p.channel.name, "kind": p.channel.kind},
            "status": p.status, "status_label": p.get_status_display(), "attempts": p.attempts,
            "last_error": p.last_error, "next_attempt_at": p.next_attempt_at, "external_id": p.external_id,
            "external_url": p.external_url, "sent_at": p.sent_at, "withdrawn_at": p.withdrawn_at}


def pool_out(i: PoolItem) -> dict:
    return {"id": i.pk, "direction": i.direction, "status": i.status, "status_label": i.get_status_display(),
            "article": {"id": i.article_id, "title": i.article.title}, "from_org": i.from_org.name,
            "to_org": i.to_org.name, "note": i.note, "reason": i.reason, "copy_id": i.copy_id, "sent_at": i.sent_at,
            "decided_at": i.decided_at}


def _article(request, article_id: int) -> Article:
    article = desk_articles(request.auth).filter(pk=article_id).first()
    if article is None:
        raise ApiError(404, "not_found", "稿件不存在")
    return article


def _channels(request, article: Article, channel_ids: list[int]) -> list[Channel]:
    found = list(desk_channels(request.auth).filter(pk__in=channel_ids, org=article.org))
    if len(found) != len(set(channel_ids)):
        raise ApiError(404, "not_found", "渠道不存在")
    return found


def _saved(saved) -> dict:
    article = Article.objects.select_related("org").get(pk=saved.article.pk)
    return {"article": article_out(article, body=True), "warnings": saved.warnings}


@router.post("/editorial/check", response=ANSWERS, summary="敏感词检测（返回每处命中及其位置）")
def check(request, payload: CheckIn):
    hits = sensitive.check(payload.text)
    return {"hits": [h.as_dict() for h in hits], "blocking": len(sensitive.blocking(hits))}


@router.get("/articles", response=ANSWERS, summary="稿件列表（本单位及下级，可按状态筛选）")
def list_articles(request, params: Query[DeskParams]):
    queryset = desk_articles(request.auth)
    if params.status:
        queryset = queryset.filter(status=params.status)
    if params.q:
        queryset = queryset.filter(title__contains=params.q)
    return paginate(queryset.order_by("-id"), page=params.page, page_size=params.page_size, serialize=article_out)


@router.post("/articles", response={201: dict, **ANSWERS}, summary="新建稿件（草稿）")
def create(request, payload: ArticleIn):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=payload.org_id)
    saved = articles.create_article(by=request.auth, org=org, **payload.dict(exclude={"org_id"}))
    return Status(201, _saved(saved))


@router.get("/articles/{article_id}", response=ANSWERS, summary="稿件详情（含正文和当前可执行的操作）")
def detail(request, article_id: int):
    return article_out(_article(request, article_id), user=request.auth, body=True)


@router.put("/articles/{article_id}", response=ANSWERS, summary="保存稿件新版本（基于的版本已过期时 409）")
def save(request, article_id: int, payload: ArticleSave):
    article = _article(request, article_id)
    saved = articles.save_article(article, by=request.auth, **payload.dict())
    return _saved(saved)


@router.post("/articles/{article_id}/steps/{action}", response=ANSWERS,
             summary="审核流转：submit 送审、pass_first 初审通过、pass_final 终审通过、sign 签发、send_back 退回、"
                     "withdraw 撤回、redraft 重新编辑")
def take_step(request, article_id: int, action: str, payload: StepIn):
    article = _article(request, article_id)
    if action not in ARTICLE_WORKFLOW.actions or action in ("publish", "expire"):
        raise ApiError(404, "not_found", "没有这个操作")
    result = articles.step(article, action, by=request.auth, note=payload.note,
                           confirm_warnings=payload.confirm_warnings)
    return article_out(Article.objects.select_related("org").get(pk=result.pk), user=request.auth)


@router.get("/articles/{article_id}/revisions", response=ANSWERS, summary="稿件的历史版本")
def revisions(request, article_id: int):
    article = _article(request, article_id)
    return {"items": [{"number": r.number, "title": r.title, "saved_at": r.saved_at,
                       "saved_by": r.saved_by.display_name or r.saved_by.username if r.saved_by else ""}
                      for r in article.revisions.select_related("saved_by").order_by("number")]}


@router.get("/articles/{article_id}/diff", response=ANSWERS, summary="两个版本之间的差异（逐行）")
def revision_diff(request, article_id: int, older: int, newer: int):
    article = _article(request, article_id)
    found = {r.number: r for r in ArticleRevision.objects.filter(article=article, number__in=[older, newer])}
    if older not in found or newer not in found:
        raise ApiError(404, "not_found", "版本不存在")
    return {"lines": [{"op": op, "text": line} for op, line in articles.diff(found[older], found[newer])]}


@router.post("/articles/{article_id}/publish", response=ANSWERS, summary="一键发布到所选渠道")
def publish(request, article_id: int, payload: ChannelsIn):
    article = _article(request, article_id)
    result = publishing.publish(article, by=request.auth, channels=_channels(request, article, payload.channel_ids))
    return {"items": [publication_out(p) for p in result]}


@router.get("/articles/{article_id}/publications", response=ANSWERS, summary="稿件在各渠道的发布状态")
def publications(request, article_id: int):
    article = _article(request, article_id)
    return {"items": [publication_out(p) for p in article.publications.select_related("channel").order_by("id")]}


@router.post("/publications/retry", response=ANSWERS, summary="批量重试发送失败的渠道发布")
def retry(request, payload: RetryIn):
    chosen = list(Publication.objects.select_related("article__org", "channel").filter(
        pk__in=payload.publication_ids, article__in=desk_articles(request.auth)))
    if len(chosen) != len(set(payload.publication_ids)):
        raise ApiError(404, "not_found", "发布记录不存在")
    return {"sent": publishing.retry_failed(chosen, by=request.auth)}


@router.post("/articles/{article_id}/distribute", response=ANSWERS, summary="下发到下级单位的稿件库")
def distribute(request, article_id: int, payload: DistributeIn):
    article = _article(request, article_id)
    orgs = None
    if payload.org_ids is not None:
        orgs = list(Organisation.objects.filter(pk__in=payload.org_ids))
        if len(orgs) != len(set(payload.org_ids)):
            raise ApiError(404, "not_found", "接收单位不存在")
    items = pools.distribute_down(article, by=request.auth, orgs=orgs, note=payload.note)
    return {"sent": len(items), "receivers": pools.republished_by(article)}


@router.post("/articles/{article_id}/submit", response=ANSWERS, summary="向上级报送")
def submit(request, article_id: int, payload: StepIn):
    item = pools.submit_up(_article(request, article_id), by=request.auth, note=payload.note)
    return pool_out(PoolItem.objects.select_related("article", "from_org", "to_org").get(pk=item.pk))


@router.get("/pool", response=ANSWERS, summary="本单位收到的稿件（下发的和下级报送的）")
def pool(request, params: Query[PoolParams]):
    queryset = incoming_pool(request.auth)
    if params.direction:
        queryset = queryset.filter(direction=params.direction)
    if params.status:
        queryset = queryset.filter(status=params.status)
    return paginate(queryset.order_by("-id"), page=params.page, page_size=params.page_size, serialize=pool_out)


def _item(request, item_id: int) -> PoolItem:
    item = incoming_pool(request.auth).filter(pk=item_id).first()
    if item is None:
        raise ApiError(404, "not_found", "稿件不存在")
    return item


@router.post("/pool/{item_id}/adopt", response=ANSWERS, summary="采用下级报送的稿件（进入本单位审核流程）")
def adopt(request, item_id: int):
    copy = pools.adopt(_item(request, item_id), by=request.auth)
    return article_out(Article.objects.select_related("org").get(pk=copy.pk), user=request.auth)


@router.post("/pool/{item_id}/decline", response=ANSWERS, summary="不采用（须填写原因）")
def decline(request, item_id: int, payload: EditorialReasonIn):
    item = pools.decline(_item(request, item_id), by=request.auth, reason=payload.reason)
    return pool_out(PoolItem.objects.select_related("article", "from_org", "to_org").get(pk=item.pk))


@router.post("/pool/{item_id}/republish", response=ANSWERS, summary="转发上级下发的稿件到本单位渠道")
def republish(request, item_id: int, payload: ChannelsIn):
    item = _item(request, item_id)
    channels = list(desk_channels(request.auth).filter(pk__in=payload.channel_ids, org=item.to_org))
    if len(channels) != len(set(payload.channel_ids)):
        raise ApiError(404, "not_found", "渠道不存在")
    copy = pools.republish(item, by=request.auth, channels=channels)
    return article_out(Article.objects.select_related("org").get(pk=copy.pk), user=request.auth)


@router.get("/channels", response=ANSWERS, summary="本单位及下级的发布渠道")
def list_channels(request, page: int = 1, page_size: int = 20):
    return paginate(desk_channels(request.auth).order_by("org_path", "id"), page=page, page_size=page_size,
                    serialize=lambda c: {"id": c.pk, "org": {"id": c.org_id, "name": c.org.name}, "kind": c.kind,
                                         "kind_label": c.get_kind_display(), "name": c.name, "account": c.account,
                                         "active": c.active})


@router.post("/channels", response={201: dict, **ANSWERS}, summary="登记发布渠道（主席、管理员）")
def create_channel(request, payload: ChannelIn):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=payload.org_id)
    channel = publishing.register_channel(by=request.auth, org=org, kind=payload.kind, name=payload.name,
                                          account=payload.account)
    return Status(201, {"id": channel.pk, "kind": channel.kind, "name": channel.name})


@router.get("/channels/ranking", response=ANSWERS, summary="渠道传播力排行（按月，可按平台和单位层级）")
def ranking(request, params: Query[RankingParams]):
    org = get_visible_or_404(Organisation.objects.all(), request.auth, pk=params.org_id)
    rows = reach.ranking(org, year=params.year, month=params.month, kind=params.kind or None,
                         org_kind=params.org_kind or None)
    return {"org": {"id": org.pk, "name": org.name}, "year": params.year, "month": params.month, "items": rows}
