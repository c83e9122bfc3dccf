"""Channel adapters: one per platform, one interface.

    adapter = adapter_for(channel.kind)
    posted = adapter.publish(channel, article, key=publication.idempotency_key, state=publication.state)
    adapter.withdraw(channel, publication)

`publish` returns a `Posted` (the platform's content id and link) or raises `ChannelError` with the platform's own
error text and whether a retry may help. `state` is the publication's scratch dict: an adapter that posts in
several calls (WeChat: upload a draft, then submit it) writes what it got so far into it, and a retry resumes from
there instead of posting again.

Built in and real: `portal` (the article shows on the portal's news pages and in the org's Atom feed; nothing leaves
the deployment) and `recording` (writes what it would send to ChannelRecord: the tests' and the demo's platform).
External: `wechat` follows the official-account API (access token, draft/add, freepublish/submit, freepublish/
delete) at the endpoint configured in settings.EDITORIAL_WECHAT_API (none by default: deployments on a closed
network reach the platforms through their own gateway). Weibo, 头条号, 抖音 and websites refuse with a clear message
until an adapter for the deployment's gateway is configured (settings.EDITORIAL_ADAPTERS: kind -> dotted path).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from smartunion.editorial.models import Article, Channel, ChannelRecord, Publication

PORTAL_NEWS_PATH = "/news/"  # the portal's article pages (a data app names the path, not the surface's URL name)


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str = ""


class ChannelError(Exception):
    """The platform refused or could not be reached: its message, and whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Adapter(Protocol):
    def publish(self, channel: Channel, article: Article, *, key: str, state: dict) -> Posted: ...

    def withdraw(self, channel: Channel, publication: Publication) -> None: ...


class PortalAdapter:
    """The SmartUnion portal itself: publishing makes the article visible on the org's news pages and feed."""

    def publish(self, channel, article, *, key, state):
        return Posted(str(article.pk), f"{PORTAL_NEWS_PATH}{article.pk}/")

    def withdraw(self, channel, publication):
        return None


class RecordingAdapter:
    """Records each call once per idempotency key (ChannelRecord); a repeated call answers from the record.
    A channel whose config says {"fail": "<message>"} refuses every publish with that message (for failure demos)."""

    def publish(self, channel, article, *, key, state):
        failure = (channel.config or {}).get("fail")
        if failure:
            raise ChannelError(str(failure))
        return Posted(f"rec-{self._record(channel, 'publish', key, article).pk}")

    def withdraw(self, channel, publication):
        self._record(channel, "withdraw", publication.idempotency_key, publication.article)

    @staticmethod
    def _record(channel, action, key, article) -> ChannelRecord:
        existing = ChannelRecord.objects.filter(idempotency_key=key, action=action).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return ChannelRecord.objects.create(channel=channel, action=action, idempotency_key=key,
                                                    title=article.title, payload={"summary": article.summary})
        except IntegrityError:  # the same key recorded by a concurrent attempt
            return ChannelRecord.objects.get(idempotency_key=key, action=action)


class WeChatAdapter:
    """WeChat official account (微信公众号), its published API: cgi-bin/token, draft/add, freepublish/submit,
    freepublish/delete. The channel's config holds {"appid"}; its secret the AppSecret; the cover is sent as
    config["thumb_media_id"] (an image the account uploaded once as permanent material)."""

    timeout = 10

    def _call(self, path: str, *, query: dict | None = None, body: dict | None = None) -> dict:
        base = getattr(settings, "EDITORIAL_WECHAT_API", "")
        if not base:
            raise ChannelError("未配置微信公众号接口地址（EDITORIAL_WECHAT_API），无法发布到微信公众号",
                               retryable=False)
        url = f"{base.rstrip('/')}/{path}?{urllib.parse.urlencode(query or {})}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  (configured https)
                answer = json.loads(response.read().decode() or "{}")
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise ChannelError(f"微信接口无法访问：{exc}") from None
        if answer.get("errcode"):
            # 45009 (quota), -1 (busy) may pass; bad credentials or content will not.
            raise ChannelError(f"微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}",
                               retryable=answer.get("errcode") in (-1, 45009, 45011))
        return answer

    def _token(self, channel) -> str:
        answer = self._call("cgi-bin/token", query={"grant_type": "client_credential",
                                                    "appid": (channel.config or {}).get("appid", ""),
                                                    "secret": channel.secret})
        return answer["access_token"]

    def publish(self, channel, article, *, key, state):
        token = self._token(channel)
        if "media_id" not in state:  # the draft is uploaded once; a retry submits the same draft
            answer = self._call("cgi-bin/draft/add", query={"access_token": token}, body={"articles": [{
                "title": article.title, "author": article.author, "digest": article.summary,
                "content": article.body, "content_source_url": article.source_url,
                "thumb_media_id": (channel.config or {}).get("thumb_media_id", ""),
                "need_open_comment": 0,
            }]})
            state["media_id"] = answer["media_id"]
        if "publish_id" not in state:
            answer = self._call("cgi-bin/freepublish/submit", query={"access_token": token},
                                body={"media_id": state["media_id"]})
            state["publish_id"] = str(answer["publish_id"])
        return Posted(state["publish_id"])

    def withdraw(self, channel, publication):
        article_id = publication.state.get("article_id")
        if not article_id:
            raise ChannelError("微信尚未返回已发布文章的ID（article_id），请在公众号后台删除", retryable=False)
        self._call("cgi-bin/freepublish/delete", query={"access_token": self._token(channel)},
                   body={"article_id": article_id, "index": 0})


class UnconfiguredAdapter:
    def __init__(self, kind: str):
        self.label = Channel.Kind(kind).label

    def publish(self, channel, article, *, key, state):
        raise ChannelError(f"本平台尚未接入{self.label}的发布接口，请联系平台管理员配置", retryable=False)

    def withdraw(self, channel, publication):
        raise ChannelError(f"本平台尚未接入{self.label}的发布接口，请到{self.label}后台撤回", retryable=False)


BUILT_IN: dict[str, Adapter] = {
    Channel.Kind.PORTAL: PortalAdapter(),
    Channel.Kind.RECORDING: RecordingAdapter(),
    Channel.Kind.WECHAT: WeChatAdapter(),
}


def adapter_for(kind: str) -> Adapter:
    configured = getattr(settings, "EDITORIAL_ADAPTERS", {}).get(kind)
    if configured:
        return import_string(configured)()
    return BUILT_IN.get(kind) or UnconfiguredAdapter(kind)
