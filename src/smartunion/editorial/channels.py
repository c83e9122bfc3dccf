"""Channel adapters: one per platform, one interface.

    adapter = adapter_for(channel.kind)
    posted = adapter.publish(channel, article, key=publication.idempotency_key, state=publication.state)
    adapter.withdraw(channel, publication)
    figures = adapter.fetch_metrics(channel, day)   # optional: DayFigures, or None where the platform gives none

`publish` returns a `Posted` (the platform's content id and link) or raises `ChannelError` with the platform's own
error text and whether a retry may help. `state` is the publication's scratch dict: an adapter that posts in
several calls (WeChat: upload a draft, then submit it; Douyin: upload the image, then create the post) writes what
it got so far into it, and a retry resumes from there instead of posting again.

Built in and real: `portal` (the article shows on the portal's news pages and in the org's Atom feed; nothing leaves
the deployment), `recording` (writes what it would send to ChannelRecord: the tests' and the demo's platform) and
`website` (a signed webhook to the address in the channel's config). The platforms' adapters follow their published
APIs at the base address configured in settings (none by default: a deployment on a closed network reaches the
platforms through its own gateway, and an unset address refuses clearly): `wechat` (EDITORIAL_WECHAT_API), `weibo`
(EDITORIAL_WEIBO_API), `toutiao` (EDITORIAL_TOUTIAO_API), `douyin` (EDITORIAL_DOUYIN_API). A deployment may replace
any of them (settings.EDITORIAL_ADAPTERS: kind -> dotted path of an adapter class).

All of them speak JSON over HTTP through one helper, `call_json`: network failures, timeouts, HTTP 429 and 5xx are
retryable; each adapter maps its platform's error codes to `ChannelError(message, retryable=...)` (busy and rate
limits retryable, bad credentials and refused content not).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from smartunion.editorial.models import Article, Channel, ChannelRecord, Publication

PORTAL_NEWS_PATH = "/news/"  # the portal's article pages (a data app names the path, not the surface's URL name)
TIMEOUT = 10  # seconds for one platform call


@dataclass(frozen=True)
class Posted:
    external_id: str
    url: str = ""


@dataclass(frozen=True)
class DayFigures:
    """One day's figures of a channel as its platform reports them (ChannelMetric's figures)."""

    reads: int = 0
    likes: int = 0
    shares: int = 0
    comments: int = 0
    followers: int = 0
    articles: int = 0
    max_reads: int = 0


class ChannelError(Exception):
    """The platform refused or could not be reached: its message, and whether trying again later may help."""

    def __init__(self, message: str, *, retryable: bool = True, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code  # the platform's own error code, when it answered with one


class Adapter(Protocol):
    def publish(self, channel: Channel, article: Article, *, key: str, state: dict) -> Posted: ...

    def withdraw(self, channel: Channel, publication: Publication) -> None: ...


# JSON over HTTP, shared by every adapter ---------------------------------------------------------------------------

def platform_base(setting: str, label: str) -> str:
    """The configured base address of a platform's API, or a refusal naming the platform."""
    base = getattr(settings, setting, "") or ""
    if not base:
        raise ChannelError(f"本平台尚未接入{label}的发布接口，请联系平台管理员配置", retryable=False)
    return base.rstrip("/")


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body: text fields and files (name -> (filename, content, content type))."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {content_type}\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call_json(label: str, method: str, url: str, *, query: dict | None = None, json_body: dict | None = None,
              form: dict | None = None, raw: tuple[bytes, str] | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One call to a platform: the HTTP status and the JSON it answered (an empty dict for an empty answer).

    Unreachable, timed out, HTTP 429 and 5xx without a JSON answer: ChannelError, retryable. Any other answer that is
    not JSON: ChannelError, not retryable. A JSON answer is returned whatever its status, for the adapter to read the
    platform's own error code from it."""
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(query)}"
    all_headers = {"Accept": "application/json", **(headers or {})}
    data = None
    if json_body is not None:
        data = json.dumps(json_body, ensure_ascii=False).encode()
        all_headers["Content-Type"] = "application/json; charset=utf-8"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif raw is not None:
        data, all_headers["Content-Type"] = raw
    if not url.startswith(("https://", "http://")):
        raise ChannelError(f"{label}接口地址无效：{url[:100]}", retryable=False)
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError(f"{label}接口无法访问：{getattr(exc, 'reason', exc)}") from None
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        busy = status == 429 or status >= 500
        raise ChannelError(f"{label}接口返回了无法识别的内容（HTTP {status}）", retryable=busy)
    return status, answer


def _code(value) -> int:
    """A platform's error code as a number (0 when absent or not a number)."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.lstrip("-").isdigit() else 0


def _config(channel: Channel) -> dict:
    return channel.config or {}


def _portal_link(channel: Channel, article: Article) -> str:
    """The article's address on the portal, absolute: the channel's config["link_base"] (the portal's public address,
    which must be in the platform's registered safe domain), else settings.PORTAL_PUBLIC_URL; '' when neither."""
    base = str(_config(channel).get("link_base") or getattr(settings, "PORTAL_PUBLIC_URL", "") or "").rstrip("/")
    return f"{base}{PORTAL_NEWS_PATH}{article.pk}/" if base else ""


def _article_images(article: Article) -> list[tuple[str, bytes, str]]:
    """The article's images as (filename, content, content type): the cover, else the body's images stored on this
    site (MEDIA_URL). Images elsewhere on the web are not fetched."""
    found: list[tuple[str, bytes, str]] = []
    names = [article.cover.name] if article.cover else []
    media = settings.MEDIA_URL
    names += [urllib.parse.unquote(src[len(media):]) for src in re.findall(r'<img[^>]*\ssrc="([^"]+)"', article.body)
              if src.startswith(media)]
    for name in names:
        if not name or ".." in name or not default_storage.exists(name):
            continue
        with default_storage.open(name, "rb") as handle:
            content = handle.read()
        extension = name.rsplit(".", 1)[-1].lower()
        kind = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "webp": "webp", "bmp": "bmp"}.get(extension)
        if kind:
            found.append((name.rsplit("/", 1)[-1], content, f"image/{kind}"))
    return found


# Built in ---------------------------------------------------------------------------------------------------------

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


class WebsiteAdapter:
    """A website (or any system) receiving articles by a signed webhook.

    Config: {"url": "https://www.example.org/smartunion/hook"}; secret: the shared signing key. Publishing POSTs
    {"action": "publish", "idempotency_key", "article": {...}} as JSON; withdrawing POSTs {"action": "withdraw",
    "idempotency_key", "external_id"} to the same address. Every request carries

        Idempotency-Key: <the publication's key>     (the receiver answers a repeated key from what it did first)
        X-SmartUnion-Timestamp: <unix seconds>
        X-SmartUnion-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + the raw body, keyed by the secret>

    The receiver answers 2xx with {"id": "...", "url": "..."} (both optional: the key stands in for a missing id);
    429 and 5xx are retried later, any other status is a refusal, its JSON "error" or "message" shown."""

    label = "网站"

    def _post(self, channel: Channel, payload: dict, key: str) -> dict:
        url = str(_config(channel).get("url") or "").strip()
        if not url.startswith(("https://", "http://")):
            raise ChannelError("请在网站渠道的接口配置中填写接收稿件的地址（url，以 http:// 或 https:// 开头）",
                               retryable=False)
        if not channel.secret:
            raise ChannelError("请填写网站渠道的接口密钥（用于签名）", retryable=False)
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(channel.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        status, answer = call_json(self.label, "POST", url, raw=(body, "application/json; charset=utf-8"), headers={
            "Idempotency-Key": key, "X-SmartUnion-Timestamp": stamp, "X-SmartUnion-Signature": f"sha256={signature}"})
        if status >= 300:
            reason = answer.get("error") or answer.get("message") or ""
            raise ChannelError(f"网站返回错误 HTTP {status}" + (f"：{reason}" if reason else ""),
                               retryable=status == 429 or status >= 500)
        return answer

    def publish(self, channel, article, *, key, state):
        answer = self._post(channel, {"action": "publish", "idempotency_key": key, "article": {
            "id": article.pk, "title": article.title, "summary": article.summary, "author": article.author,
            "body": article.body, "tags": list(article.tags or []), "origin": article.origin, "source": article.source,
            "source_url": article.source_url, "cover": article.cover.url if article.cover else "",
            "published_at": article.published_at.isoformat() if article.published_at else None,
            "portal_url": _portal_link(channel, article) or f"{PORTAL_NEWS_PATH}{article.pk}/",
        }}, key)
        url = str(answer.get("url") or "")
        return Posted(str(answer.get("id") or key)[:100], url if url.startswith(("https://", "http://")) else "")

    def withdraw(self, channel, publication):
        self._post(channel, {"action": "withdraw", "idempotency_key": publication.idempotency_key,
                             "external_id": publication.external_id}, publication.idempotency_key)


# The platforms ----------------------------------------------------------------------------------------------------

class WeChatAdapter:
    """WeChat official account (微信公众号), its published API: cgi-bin/token, draft/add, freepublish/submit,
    freepublish/delete; figures from datacube/getarticlesummary and datacube/getusercumulate. The channel's config
    holds {"appid"}; its secret the AppSecret; the cover is sent as config["thumb_media_id"] (an image the account
    uploaded once as permanent material).

    Errors (errcode): -1 (system busy), 45009 (daily quota), 45011 (frequency limit) are retried; bad credentials
    (40001, 40125, 40164 IP not whitelisted...) and refused content are not."""

    label = "微信公众号"
    RETRYABLE = (-1, 45009, 45011)

    def _call(self, path: str, *, query: dict | None = None, body: dict | None = None) -> dict:
        base = getattr(settings, "EDITORIAL_WECHAT_API", "")
        if not base:
            raise ChannelError("未配置微信公众号接口地址（EDITORIAL_WECHAT_API），无法发布到微信公众号",
                               retryable=False)
        status, answer = call_json("微信", "GET" if body is None else "POST", f"{base.rstrip('/')}/{path}",
                                   query=query, json_body=body)
        if answer.get("errcode"):
            raise ChannelError(f"微信返回错误 {answer.get('errcode')}：{answer.get('errmsg', '')}",
                               retryable=answer.get("errcode") in self.RETRYABLE)
        if status >= 300:
            raise ChannelError(f"微信接口返回 HTTP {status}", retryable=status == 429 or status >= 500)
        return answer

    def _token(self, channel) -> str:
        answer = self._call("cgi-bin/token", query={"grant_type": "client_credential",
                                                    "appid": _config(channel).get("appid", ""),
                                                    "secret": channel.secret})
        return answer["access_token"]

    def publish(self, channel, article, *, key, state):
        token = self._token(channel)
        if "media_id" not in state:  # the draft is uploaded once; a retry submits the same draft
            answer = self._call("cgi-bin/draft/add", query={"access_token": token}, body={"articles": [{
                "title": article.title, "author": article.author, "digest": article.summary,
                "content": article.body, "content_source_url": article.source_url,
                "thumb_media_id": _config(channel).get("thumb_media_id", ""),
                "need_open_comment": 0,
            }]})
            state["media_id"] = answer["media_id"]
        if "publish_id" not in state:
            answer = self._call("cgi-bin/freepublish/submit", query={"access_token": token},
                                body={"media_id": state["media_id"]})
            state["publish_id"] = str(answer["publish_id"])
        return Posted(state["publish_id"])

    def withdraw(self, channel, publication):
        """freepublish/delete needs the published article's id, which the submit does not return: it is asked from
        freepublish/get (publish_status 0 = published) when the state does not hold it yet."""
        token = self._token(channel)
        article_id = publication.state.get("article_id")
        if not article_id and publication.state.get("publish_id"):
            answer = self._call("cgi-bin/freepublish/get", query={"access_token": token},
                                body={"publish_id": publication.state["publish_id"]})
            if answer.get("publish_status") == 0:
                article_id = answer.get("article_id")
        if not article_id:
            raise ChannelError("微信尚未返回已发布文章的ID（article_id），请在公众号后台删除", retryable=False)
        self._call("cgi-bin/freepublish/delete", query={"access_token": token},
                   body={"article_id": article_id, "index": 0})

    def fetch_metrics(self, channel, day: dt.date) -> DayFigures:
        """getarticlesummary: every article read that day, one row each (int_page_read_count, share_count);
        getusercumulate: the followers at the end of the day (cumulate_user). The data API has no likes or comments
        per day, and counts an article on the days it is read, so `articles` is the number of articles read that
        day. The platform's figures of a day are final the next morning (query yesterday, after 08:00)."""
        token = self._token(channel)
        span = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        rows = self._call("datacube/getarticlesummary", query={"access_token": token}, body=span).get("list") or []
        users = self._call("datacube/getusercumulate", query={"access_token": token}, body=span).get("list") or []
        rows = [r for r in rows if r.get("ref_date", day.isoformat()) == day.isoformat()]
        reads = [int(r.get("int_page_read_count") or 0) for r in rows]
        return DayFigures(reads=sum(reads), max_reads=max(reads, default=0), articles=len(rows),
                          shares=sum(int(r.get("share_count") or 0) for r in rows),
                          followers=max((int(u.get("cumulate_user") or 0) for u in users), default=0))


class WeiboAdapter:
    """Weibo (微博开放平台 API v2, https://api.weibo.com as EDITORIAL_WEIBO_API). The channel's secret is the
    account's OAuth2 access token (authorised for the SmartUnion app); account is the Weibo UID; config:
    {"link_base": "https://<the portal's public address>"} and optionally {"rip": "<the operator's public IP>"}.

    Publishing: POST 2/statuses/share.json (access_token, status, rip): the status is the title and summary cut to
    fit the 140 characters with the article's portal address appended, since Weibo only shares text holding a link
    in the app's registered safe domain (安全域名). Withdrawing: POST 2/statuses/destroy.json (access_token, id); a
    post that no longer exists (20101) counts as withdrawn. Weibo has no idempotency key: an attempt marks
    state["share_tried"] before posting, and a retry after a lost answer first looks for the post in
    2/statuses/user_timeline.json (by its text) and takes it instead of posting again; Weibo itself also refuses
    the same text twice (20019).

    Errors (error_code): 10001-10003, 10009-10011 (busy), 10022-10024 (rate limits) and 20016 (posting too fast) are
    retried; 21314-21332 (token invalid or expired), 20019 (repeated), 20021 (illegal content) and others not.
    Figures: 2/users/show.json (followers_count) and the day's own posts from 2/statuses/user_timeline.json
    (articles; their reposts_count, comments_count, attitudes_count as shares, comments, likes, as counted at the
    time of the fetch). The open API gives no read counts: reads stay 0 (import the account's export for them)."""

    label = "微博"
    RETRYABLE = {10001, 10002, 10003, 10009, 10010, 10011, 10022, 10023, 10024, 20016}
    TOKEN = set(range(21314, 21320)) | {21301, 21327, 21332}
    GONE = 20101
    TEXT_LIMIT = 110  # characters of title and summary; the link takes the rest of the 140

    def _call(self, method: str, path: str, channel: Channel, params: dict) -> dict:
        base = platform_base("EDITORIAL_WEIBO_API", self.label)
        params = {"access_token": channel.secret, **params}
        if method == "GET":
            status, answer = call_json(self.label, "GET", f"{base}/{path}", query=params)
        else:
            status, answer = call_json(self.label, "POST", f"{base}/{path}", form=params)
        if answer.get("error_code") is not None or status >= 300:
            code = _code(answer.get("error_code"))
            if code in self.TOKEN:
                raise ChannelError(f"微博授权无效或已过期（{code}），请重新授权并更新渠道的接口密钥", retryable=False,
                                   code=code)
            raise ChannelError(f"微博返回错误 {code or status}：{answer.get('error', '')}", code=code or None,
                               retryable=code in self.RETRYABLE or (not code and (status == 429 or status >= 500)))
        return answer

    def _text(self, article: Article) -> str:
        text = article.title + (f"：{article.summary}" if article.summary else "")
        return text if len(text) <= self.TEXT_LIMIT else text[:self.TEXT_LIMIT - 1] + "…"

    def _link(self, channel, post_id: str) -> str:
        return f"https://weibo.com/{channel.account}/{post_id}" if channel.account else ""

    def publish(self, channel, article, *, key, state):
        if "id" in state:
            return Posted(state["id"], self._link(channel, state["id"]))
        platform_base("EDITORIAL_WEIBO_API", self.label)  # an unset platform is refused before anything else
        link = _portal_link(channel, article)
        if not link:
            raise ChannelError("微博只能分享带有安全域名链接的内容：请在渠道的接口配置中填写门户的公网地址"
                               "（link_base）", retryable=False)
        text = self._text(article)
        who = {"uid": channel.account} if channel.account else {}
        if state.get("share_tried"):  # an earlier attempt may have posted without us hearing the answer
            timeline = self._call("GET", "2/statuses/user_timeline.json", channel, {"count": 20, "trim_user": 1, **who})
            for status in timeline.get("statuses") or []:
                if str(status.get("text", "")).startswith(text):
                    state["id"] = str(status.get("idstr") or status.get("id"))
                    return Posted(state["id"], self._link(channel, state["id"]))
        state["share_tried"] = True
        params = {"status": f"{text} {link}"}
        if _config(channel).get("rip"):
            params["rip"] = str(_config(channel)["rip"])
        try:
            answer = self._call("POST", "2/statuses/share.json", channel, params)
        except ChannelError as exc:
            if exc.code is not None:  # Weibo answered with its refusal: nothing was posted
                state.pop("share_tried", None)
            raise
        state["id"] = str(answer.get("idstr") or answer.get("id"))
        return Posted(state["id"], self._link(channel, state["id"]))

    def withdraw(self, channel, publication):
        try:
            self._call("POST", "2/statuses/destroy.json", channel, {"id": publication.external_id})
        except ChannelError as exc:
            if exc.code != self.GONE:  # a post already gone is withdrawn
                raise

    def fetch_metrics(self, channel, day: dt.date) -> DayFigures:
        who = {"uid": channel.account} if channel.account else {}
        user = self._call("GET", "2/users/show.json", channel, who)
        timeline = self._call("GET", "2/statuses/user_timeline.json", channel, {"count": 100, "trim_user": 1, **who})
        posts = []
        for status in timeline.get("statuses") or []:
            try:
                created = parsedate_to_datetime(str(status.get("created_at", "")))
            except (TypeError, ValueError):
                continue
            if timezone.localtime(created).date() == day:
                posts.append(status)
        return DayFigures(
            followers=int(user.get("followers_count") or 0), articles=len(posts),
            shares=sum(int(p.get("reposts_count") or 0) for p in posts),
            comments=sum(int(p.get("comments_count") or 0) for p in posts),
            likes=sum(int(p.get("attitudes_count") or 0) for p in posts))


class ToutiaoAdapter:
    """头条号 (Toutiao's media platform, EDITORIAL_TOUTIAO_API e.g. https://mp.toutiao.com). The channel's secret is
    the account's OAuth access token; config: {"client_key": "<the app's client key>"}.

    The open article API's documentation is given to partner apps only and could not be read when this was written;
    this adapter follows the 头条号 open interface as its partners describe it, and a deployment's gateway can map it:
      publish:  POST open/new_article_post/ (form: access_token, client_key, title, content (HTML), abstract,
                save=1 (publish, 0 = draft), article_ad_type=3 (no ads)) -> {"message": "success",
                "data": {"pgc_id": "<article id>"}}
      withdraw: POST open/article/delete/ (form: access_token, client_key, pgc_id) -> {"message": "success"}
      errors:   {"message": "error", "data": {"error_code": <n>, "description": "..."}} (or "reason"); HTTP 429/5xx.
    Retried: 10001 (busy), 10009 / 10010 (frequency limits); 10002 / 10003 (token invalid or expired) and content
    refusals are not. The publish is one call: the idempotency key is sent as the Idempotency-Key header for a
    gateway that honours it. No figures API: import the account's export."""

    label = "头条号"
    RETRYABLE = {10001, 10009, 10010}
    TOKEN = {10002, 10003}

    def _call(self, path: str, channel: Channel, form: dict, key: str = "") -> dict:
        base = platform_base("EDITORIAL_TOUTIAO_API", self.label)
        form = {"access_token": channel.secret, "client_key": _config(channel).get("client_key", ""), **form}
        status, answer = call_json(self.label, "POST", f"{base}/{path}", form=form,
                                   headers={"Idempotency-Key": key} if key else None)
        if answer.get("message") == "success" and status < 300:
            return answer
        data: dict = answer["data"] if isinstance(answer.get("data"), dict) else {}
        code = _code(data.get("error_code", answer.get("error_code")))
        reason = data.get("description") or answer.get("reason") or data.get("reason") or ""
        if code in self.TOKEN:
            raise ChannelError(f"头条号授权无效或已过期（{code}），请重新授权并更新渠道的接口密钥", retryable=False,
                               code=code)
        raise ChannelError(f"头条号返回错误 {code or status}" + (f"：{reason}" if reason else ""), code=code or None,
                           retryable=code in self.RETRYABLE or (not code and (status == 429 or status >= 500)))

    def publish(self, channel, article, *, key, state):
        if "pgc_id" not in state:
            answer = self._call("open/new_article_post/", channel, {
                "title": article.title, "content": article.body, "abstract": article.summary,
                "save": 1, "article_ad_type": 3}, key)
            state["pgc_id"] = str((answer.get("data") or {}).get("pgc_id") or "")
        return Posted(state["pgc_id"], f"https://www.toutiao.com/item/{state['pgc_id']}/")

    def withdraw(self, channel, publication):
        self._call("open/article/delete/", channel, {"pgc_id": publication.external_id})


class DouyinAdapter:
    """抖音 (the Douyin open platform, https://open.douyin.com as EDITORIAL_DOUYIN_API). Douyin publishes videos and
    image posts only: an article with neither a cover nor an image of its own in the body is refused, not retried.
    The channel's secret is the account's user access token (video.create scope), config {"open_id": "..."}.

    Publishing an image post (图文) is two calls, each kept in state so a retry never uploads or posts twice:
      POST image/upload/?open_id=  (header access-token; multipart "image")  -> data.image.image_id
      POST image/create/?open_id=  (JSON {"image_id", "text": title})         -> data.item_id
    Withdrawing: POST video/delete/?open_id= (JSON {"item_id"}). Answers carry data.error_code (0 = done) and
    data.description. Retried: 2100004 (system busy) and HTTP 429/5xx; 2190002 / 2190008 (access token invalid /
    expired), 2100005 (bad parameters), 2100007 (no permission) and content refusals are not. The article model has
    no video: a video post (video/upload + video/create) is not made here. No figures: import the account's export."""

    label = "抖音"
    RETRYABLE = {2100004}
    TOKEN = {2190002, 2190008}

    def _call(self, path: str, channel: Channel, **body) -> dict:
        base = platform_base("EDITORIAL_DOUYIN_API", self.label)
        status, answer = call_json(self.label, "POST", f"{base}/{path}",
                                   query={"open_id": _config(channel).get("open_id", "")},
                                   headers={"access-token": channel.secret}, **body)
        data: dict = answer["data"] if isinstance(answer.get("data"), dict) else {}
        code = _code(data.get("error_code"))
        if code or status >= 300:
            if code in self.TOKEN:
                raise ChannelError(f"抖音授权无效或已过期（{code}），请重新授权并更新渠道的接口密钥", retryable=False,
                                   code=code)
            raise ChannelError(f"抖音返回错误 {code or status}：{data.get('description', '')}", code=code or None,
                               retryable=code in self.RETRYABLE or (not code and (status == 429 or status >= 500)))
        return data

    def publish(self, channel, article, *, key, state):
        platform_base("EDITORIAL_DOUYIN_API", self.label)  # an unset platform is refused before anything else
        if "image_id" not in state:
            images = _article_images(article)
            if not images:
                raise ChannelError("抖音只能发布视频或图文作品：这篇稿件没有封面图或正文图片，不能发布到抖音",
                                   retryable=False)
            data = self._call("image/upload/", channel, raw=multipart({}, {"image": images[0]}))
            state["image_id"] = str((data.get("image") or {}).get("image_id") or "")
        if "item_id" not in state:
            data = self._call("image/create/", channel, json_body={"image_id": state["image_id"],
                                                                  "text": article.title})
            state["item_id"] = str(data.get("item_id") or "")
        return Posted(state["item_id"])

    def withdraw(self, channel, publication):
        self._call("video/delete/", channel, json_body={"item_id": publication.external_id})


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
    Channel.Kind.WEBSITE: WebsiteAdapter(),
    Channel.Kind.WECHAT: WeChatAdapter(),
    Channel.Kind.WEIBO: WeiboAdapter(),
    Channel.Kind.TOUTIAO: ToutiaoAdapter(),
    Channel.Kind.DOUYIN: DouyinAdapter(),
}


def adapter_for(kind: str) -> Adapter:
    configured = getattr(settings, "EDITORIAL_ADAPTERS", {}).get(kind)
    if configured:
        return import_string(configured)()
    return BUILT_IN.get(kind) or UnconfiguredAdapter(kind)
