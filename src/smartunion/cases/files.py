"""Attachments of cases and legal-aid applications: images (JPEG, PNG, WebP) and PDF only, recognised by their
first bytes (a renamed executable is refused whatever its name says), at most 10 MB each and 9 per filing.
Stored under MEDIA_ROOT/cases/ with a random name; served only through the scoped views, never from a public URL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from smartunion.core.actors import user_or_none
from smartunion.core.errors import Invalid

MAX_FILES = 9
MAX_BYTES = 10 * 1024 * 1024
FIELD = "attachments"
ALLOWED_TEXT = "只能上传 JPG、PNG、WebP 图片或 PDF 文件"


@dataclass(frozen=True)
class CheckedFile:
    file: object  # a Django UploadedFile (or File)
    name: str
    content_type: str
    extension: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None when it is none of the allowed types."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    return None


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    return int(size)


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return head or b""


def display_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    return (base or "附件")[:200]


def check_files(files: Iterable) -> list[CheckedFile]:
    """Every file checked; refusals name each bad file (field "attachments")."""
    files = [f for f in (files or ()) if f is not None]
    if len(files) > MAX_FILES:
        raise Invalid.from_fields({FIELD: f"最多上传{MAX_FILES}个附件"})
    checked: list[CheckedFile] = []
    problems: list[str] = []
    for file in files:
        name = display_name(getattr(file, "name", ""))
        size = _size(file)
        if size == 0:
            problems.append(f"“{name}”是空文件")
            continue
        if size > MAX_BYTES:
            problems.append(f"“{name}”超过{MAX_BYTES // (1024 * 1024)}MB")
            continue
        kind = sniff(_head(file))
        if kind is None:
            problems.append(f"“{name}”不是允许的文件类型（{ALLOWED_TEXT}）")
            continue
        checked.append(CheckedFile(file=file, name=name, content_type=kind[0], extension=kind[1], size=size))
    if problems:
        raise Invalid.from_fields({FIELD: "；".join(problems)}, message="；".join(problems))
    return checked


def store(checked: Iterable[CheckedFile], *, by, case=None, legal_aid=None) -> list:
    """Save checked files as Attachment rows of the case or the legal-aid application (inside the caller's
    transaction; the file is written to storage first)."""
    from smartunion.cases.models import Attachment

    saved = []
    for item in checked:
        attachment = Attachment(case=case, legal_aid=legal_aid, name=item.name, content_type=item.content_type,
                                size=item.size, uploaded_by=user_or_none(by))
        item.file.seek(0)
        attachment.file.save(f"{uuid.uuid4().hex}{item.extension}", item.file, save=False)
        attachment.save()
        saved.append(attachment)
    return saved
