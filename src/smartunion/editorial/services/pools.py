"""Article pools down and up the tree.

Down (下发): an org sends a published article to all or chosen orgs below it; it lands in their pools; each may
republish it as its own article (a reprint naming the sender as its source, published at once: it was approved
upstream) on its own channels in one action, and the sender sees who did.

Up (报送): an org submits an article to the org directly above; the upper org adopts it (a draft of its own, a
reprint naming the submitting org, which then goes through its own review chain) or declines it with a reason.
Adoptions are counted per submitting org and year (`adoption_ranking`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from smartunion.core.actors import require_actor, user_or_none
from smartunion.core.audit import log_event
from smartunion.core.errors import Conflict, Forbidden, Invalid, NotFound, StateError
from smartunion.editorial.models import Article, ArticleRevision, Channel, PoolItem
from smartunion.editorial.rules import may_sign, may_write
from smartunion.editorial.services.publishing import publish
from smartunion.orgs.models import Organisation, subtree_q

D, ST = PoolItem.Direction, PoolItem.Status
# "All orgs below" means the desks below: federations and industry unions, not every grassroots union.
DESK_KINDS = (Organisation.Kind.CITY, Organisation.Kind.COUNTY, Organisation.Kind.TOWNSHIP,
              Organisation.Kind.INDUSTRY)


def _published(article: Article) -> None:
    if article.status != Article.Status.PUBLISHED:
        raise StateError("稿件签发发布后才能下发或报送", code="not_published")


def distribute_down(article: Article, *, by, orgs: Iterable[Organisation] | None = None,
                    note: str = "") -> list[PoolItem]:
    """Send to the chosen orgs below (or, with orgs=None, to every desk below: DESK_KINDS). An org that already has
    it is skipped."""
    require_actor(by)
    if not may_sign(by, article):
        raise Forbidden("只有本单位或上级单位的签发人、主席可以下发稿件")
    _published(article)
    root = article.org
    if orgs is None:
        targets = list(Organisation.objects.filter(subtree_q(root.path), kind__in=DESK_KINDS,
                                                   status=Organisation.Status.ACTIVE).exclude(pk=root.pk))
    else:
        targets = list(orgs)
        if any(not o.path.startswith(root.path) or o.pk == root.pk for o in targets):
            raise NotFound("接收单位不存在")  # outside the subtree answers like a missing org
    if not targets:
        raise Invalid.from_fields({"orgs": "请选择下发的单位"})
    have = set(PoolItem.objects.filter(article=article, direction=D.DOWN).values_list("to_org_id", flat=True))
    items = [PoolItem(article=article, direction=D.DOWN, from_org=root, to_org=o, to_path=o.path,
                      note=note[:200], sent_by=user_or_none(by)) for o in targets if o.pk not in have]
    with transaction.atomic():
        PoolItem.objects.bulk_create(items, batch_size=1000, ignore_conflicts=True)
        log_event("editorial.pool.distribute", actor=by, target=article, org=root,
                  data={"count": len(items), "skipped": len(targets) - len(items)})
    return items


def _copy(item: PoolItem, *, by, status: str) -> Article:
    source = item.article
    copy = Article.objects.create(
        org=item.to_org, title=source.title, summary=source.summary, cover=source.cover, body=source.body,
        body_text=source.body_text, author=source.author, tags=list(source.tags), origin=Article.Origin.REPRINT,
        source=item.from_org.name[:100], status=status, created_by=user_or_none(by),
        published_at=timezone.now() if status == Article.Status.PUBLISHED else None)
    ArticleRevision.objects.create(article=copy, number=1, title=copy.title, summary=copy.summary, body=copy.body,
                                   body_text=copy.body_text, saved_by=user_or_none(by))
    return copy


def _decide(item: PoolItem, *, by, direction: str, allowed, refusal: str) -> PoolItem:
    locked = PoolItem.objects.select_for_update().select_related("article", "from_org", "to_org").filter(
        pk=item.pk, direction=direction).first()
    if locked is None:
        raise NotFound("稿件不存在")
    probe = Article(org=locked.to_org, org_path=locked.to_path)
    if not allowed(by, probe):
        raise Forbidden(refusal)
    if locked.status != ST.WAITING:
        raise Conflict(f"该稿件已{locked.get_status_display()}", code="already_decided")
    return locked


def republish(item: PoolItem, *, by, channels: Iterable[Channel] = ()) -> Article:
    """The receiving org republishes a distributed article as its own (source kept) and on its chosen channels."""
    require_actor(by)
    with transaction.atomic():
        locked = _decide(item, by=by, direction=D.DOWN, allowed=may_sign,
                         refusal="只有本单位或上级单位的签发人、主席可以转发下发的稿件")
        copy = _copy(locked, by=by, status=Article.Status.PUBLISHED)
        locked.status, locked.copy, locked.decided_by, locked.decided_at = (
            ST.REPUBLISHED, copy, user_or_none(by), timezone.now())
        locked.save(update_fields=["status", "copy", "decided_by", "decided_at"])
        log_event("editorial.pool.republish", actor=by, target=copy, org=locked.to_org, also_org=locked.from_org,
                  data={"title": copy.title, "source": locked.from_org.name})
    chosen = list(channels)
    if chosen:
        publish(copy, by=by, channels=chosen)
    return copy


def submit_up(article: Article, *, by, note: str = "") -> PoolItem:
    require_actor(by)
    if not may_write(by, article):
        raise Forbidden("只有本单位或上级单位的编辑、管理员和主席可以报送稿件")
    _published(article)
    upper = article.org.parent
    if upper is None:
        raise Invalid("本单位没有上级单位，无需报送")
    try:
        with transaction.atomic():
            item = PoolItem.objects.create(article=article, direction=D.UP, from_org=article.org, to_org=upper,
                                           note=str(note or "").strip()[:200], sent_by=user_or_none(by))
            log_event("editorial.pool.submit", actor=by, target=article, org=article.org, also_org=upper,
                      data={"to": upper.name})
    except IntegrityError:
        raise Conflict("该稿件已报送过上级", code="already_submitted") from None
    return item


def adopt(item: PoolItem, *, by) -> Article:
    """The upper org takes a submitted article into its own review chain, as a draft naming the submitting org."""
    require_actor(by)
    with transaction.atomic():
        locked = _decide(item, by=by, direction=D.UP, allowed=may_write,
                         refusal="只有本单位或上级单位的编辑、管理员和主席可以采用报送的稿件")
        copy = _copy(locked, by=by, status=Article.Status.DRAFT)
        locked.status, locked.copy, locked.decided_by, locked.decided_at = (
            ST.ADOPTED, copy, user_or_none(by), timezone.now())
        locked.save(update_fields=["status", "copy", "decided_by", "decided_at"])
        log_event("editorial.pool.adopt", actor=by, target=copy, org=locked.to_org, also_org=locked.from_org,
                  data={"title": copy.title, "source": locked.from_org.name})
    return copy


def decline(item: PoolItem, *, by, reason: str) -> PoolItem:
    require_actor(by)
    reason = str(reason or "").strip()
    if not reason or len(reason) > 200:
        raise Invalid.from_fields({"reason": "请填写未采用的原因（最多 200 个字）"})
    with transaction.atomic():
        locked = _decide(item, by=by, direction=D.UP, allowed=may_write,
                         refusal="只有本单位或上级单位的编辑、管理员和主席可以处理报送的稿件")
        locked.status, locked.reason, locked.decided_by, locked.decided_at = (
            ST.DECLINED, reason, user_or_none(by), timezone.now())
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        log_event("editorial.pool.decline", actor=by, target=locked.article, org=locked.to_org,
                  also_org=locked.from_org, data={"reason": reason})
    return locked


def adoption_ranking(root: Organisation, *, year: int) -> list[dict]:
    """Submitting orgs under `root` by articles adopted in `year` (then submitted), one grouped query."""
    start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    rows = (PoolItem.objects.filter(direction=D.UP, sent_at__gte=start, sent_at__lt=end)
            .filter(subtree_q(root.path, "from_org__path"))
            .values("from_org_id", "from_org__name")
            .annotate(submitted=Count("id"), adopted=Count("id", filter=Q(status=ST.ADOPTED)))
            .order_by("-adopted", "-submitted", "from_org__name"))
    return [{"org_id": r["from_org_id"], "org": r["from_org__name"], "submitted": r["submitted"],
             "adopted": r["adopted"]} for r in rows]


def republished_by(article: Article) -> list[dict]:
    """Who republished a distributed article, for the sender: every receiving org with its status."""
    return [{"org": name, "status": status, "at": at} for name, status, at in
            PoolItem.objects.filter(article=article, direction=D.DOWN).order_by("to_path")
            .values_list("to_org__name", "status", "decided_at")]
