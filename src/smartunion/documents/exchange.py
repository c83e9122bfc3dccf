"""The exchange message (公文交换报文), format "smartunion.exchange/1".

One JSON object carries a released outgoing document from one org to others: everything a receiver needs to register
it as an incoming document, with nothing that only makes sense inside one deployment except the sender's ids (kept
for the return path). Exchange.envelope stores it as built; a later province-to-province exchange carries the same
object unchanged between deployments, and the receiving side calls `read_envelope` on what arrives.

    {
      "format": "smartunion.exchange/1",
      "message_id": "0b8f...-uuid4",                  # unique per sending; a receiver ignores a repeat
      "sent_at": "2026-03-02T09:30:00+08:00",          # ISO 8601 with offset
      "sender": {"org_id": 2, "name": "山东省总工会", "path": "0000000100000002"},
      "document": {                                    # the GB/T 9704-2012 elements
        "copy_number": "000001",     # 份号
        "secrecy": "",               # 密级: "" | secret | confidential | top_secret
        "secrecy_period": "",        # 保密期限
        "urgency": "",               # 紧急程度: "" | urgent | extra_urgent
        "issuer_mark": "山东省总工会文件",  # 发文机关标志
        "number": "鲁工发〔2026〕12号",     # 发文字号
        "signer_name": "王强",        # 签发人
        "kind": "notice",            # 文种
        "title": "关于……的通知",        # 标题
        "main_recipients": "各市总工会",  # 主送机关
        "body": "……",                # 正文
        "issuer_name": "山东省总工会",   # 发文机关署名
        "written_on": "2026-03-01",  # 成文日期 (or null)
        "cc": "",                    # 抄送机关
        "printer": "山东省总工会办公室",  # 印发机关
        "printed_on": "2026-03-02"   # 印发日期 (or null)
      },
      "attachments": [                                 # 附件: described, the files travel beside the message
        {"position": 1, "name": "名单.pdf", "size": 10240, "sha256": "<64 hex>"}
      ]
    }

Unknown keys are ignored by a reader of version 1 (a later minor addition stays readable); a different "format"
is refused. Errors are core.errors.Invalid with a Chinese message naming the faulty field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

from django.utils import timezone

from smartunion.core.errors import Invalid
from smartunion.documents.models import OutgoingDocument, Secrecy, Urgency

FORMAT = "smartunion.exchange/1"

# (key, Chinese name, max length) of the document's text elements.
DOCUMENT_TEXT = (
    ("copy_number", "份号", 6),
    ("secrecy_period", "保密期限", 20),
    ("issuer_mark", "发文机关标志", 50),
    ("number", "发文字号", 40),
    ("signer_name", "签发人", 50),
    ("kind", "文种", 10),
    ("title", "标题", 200),
    ("main_recipients", "主送机关", 500),
    ("body", "正文", 200_000),
    ("issuer_name", "发文机关署名", 100),
    ("cc", "抄送机关", 500),
    ("printer", "印发机关", 100),
)
DOCUMENT_DATES = (("written_on", "成文日期"), ("printed_on", "印发日期"))
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PATH = re.compile(r"^(\d{8})+$")


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def file_sha256(file) -> str:
    """The SHA-256 of a stored file (for an attachment saved without its digest)."""
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_envelope(document: OutgoingDocument, *, sent_at: dt.datetime | None = None,
                   message_id: str | None = None) -> dict[str, Any]:
    """The message for a released document (its attachments read in one query)."""
    sent_at = sent_at or timezone.now()
    org = document.org
    attachments = [
        {"position": a.position, "name": a.name, "size": a.size, "sha256": a.sha256 or file_sha256(a.file)}
        for a in document.attachments.order_by("position", "id")
    ]
    return {
        "format": FORMAT,
        "message_id": message_id or str(uuid.uuid4()),
        "sent_at": timezone.localtime(sent_at).isoformat(),
        "sender": {"org_id": org.pk, "name": org.name, "path": org.path},
        "document": {
            "copy_number": document.copy_number,
            "secrecy": document.secrecy,
            "secrecy_period": document.secrecy_period,
            "urgency": document.urgency,
            "issuer_mark": document.issuer_mark,
            "number": document.number,
            "signer_name": document.signer_name,
            "kind": document.kind,
            "title": document.title,
            "main_recipients": document.main_recipients,
            "body": document.body,
            "issuer_name": org.name,
            "written_on": _date(document.written_on),
            "cc": document.cc,
            "printer": document.printer,
            "printed_on": _date(document.printed_on),
        },
        "attachments": attachments,
    }


def _fail(field: str, message: str) -> Invalid:
    return Invalid(f"交换报文格式错误：{message}", code="bad_envelope", fields={field: message})


def _text(source: dict, key: str, name: str, limit: int, *, prefix: str, required: bool = False) -> str:
    value = source.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(f"{prefix}{key}", f"{name}应为文字")
    if required and not value.strip():
        raise _fail(f"{prefix}{key}", f"缺少{name}")
    if len(value) > limit:
        raise _fail(f"{prefix}{key}", f"{name}超过{limit}个字")
    return value


def _object(data: Any, key: str, name: str) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise _fail(key, f"缺少{name}")
    return value


def read_envelope(data: Any) -> dict[str, Any]:
    """A checked copy of a received message (a dict, or its JSON text/bytes); Invalid when malformed."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise _fail("format", "不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise _fail("format", "报文应为 JSON 对象")
    if data.get("format") != FORMAT:
        raise _fail("format", f"不支持的报文格式“{data.get('format')!s:.40}”，应为 {FORMAT}")
    message_id = data.get("message_id")
    if not isinstance(message_id, str) or not message_id.strip() or len(message_id) > 100:
        raise _fail("message_id", "缺少报文编号")
    sent_at_text = data.get("sent_at")
    try:
        sent_at = dt.datetime.fromisoformat(sent_at_text) if isinstance(sent_at_text, str) else None
    except ValueError:
        sent_at = None
    if sent_at is None or sent_at.tzinfo is None:
        raise _fail("sent_at", "发送时间应为带时区的 ISO 8601 时间")

    sender = _object(data, "sender", "发送单位")
    org_id = sender.get("org_id")
    if not isinstance(org_id, int) or isinstance(org_id, bool) or org_id <= 0:
        raise _fail("sender.org_id", "发送单位编号应为正整数")
    sender_name = _text(sender, "name", "发送单位名称", 100, prefix="sender.", required=True)
    path = sender.get("path")
    if not isinstance(path, str) or not _PATH.match(path):
        raise _fail("sender.path", "发送单位路径格式错误")

    document = _object(data, "document", "公文内容")
    clean: dict[str, Any] = {}
    for key, name, limit in DOCUMENT_TEXT:
        clean[key] = _text(document, key, name, limit, prefix="document.", required=key in ("title", "issuer_name"))
    secrecy = document.get("secrecy") or ""
    if secrecy not in Secrecy.values:
        raise _fail("document.secrecy", "密级取值无效")
    urgency = document.get("urgency") or ""
    if urgency not in Urgency.values:
        raise _fail("document.urgency", "紧急程度取值无效")
    clean["secrecy"], clean["urgency"] = secrecy, urgency
    for key, name in DOCUMENT_DATES:
        value = document.get(key)
        if value is None:
            clean[key] = None
            continue
        try:
            clean[key] = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            clean[key] = None
        if clean[key] is None:
            raise _fail(f"document.{key}", f"{name}应为 YYYY-MM-DD 格式的日期")

    attachments = data.get("attachments", [])
    if not isinstance(attachments, list):
        raise _fail("attachments", "附件列表格式错误")
    files = []
    for index, item in enumerate(attachments, start=1):
        where = f"attachments[{index}]"
        if not isinstance(item, dict):
            raise _fail(where, f"第{index}个附件格式错误")
        file_name = item.get("name")
        if not isinstance(file_name, str) or not file_name.strip() or len(file_name) > 200:
            raise _fail(f"{where}.name", f"第{index}个附件缺少文件名")
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _fail(f"{where}.size", f"第{index}个附件的大小应为非负整数")
        digest = item.get("sha256")
        if not isinstance(digest, str) or not _SHA256.match(digest):
            raise _fail(f"{where}.sha256", f"第{index}个附件的校验值应为 64 位十六进制 SHA-256")
        position = item.get("position", index)
        if not isinstance(position, int) or isinstance(position, bool) or position < 1:
            raise _fail(f"{where}.position", f"第{index}个附件的顺序应为正整数")
        files.append({"position": position, "name": file_name, "size": size, "sha256": digest})

    return {
        "format": FORMAT,
        "message_id": message_id,
        "sent_at": sent_at,
        "sender": {"org_id": org_id, "name": sender_name, "path": path},
        "document": clean,
        "attachments": files,
    }
