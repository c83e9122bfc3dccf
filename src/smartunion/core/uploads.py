"""Uploaded files checked by what they are, not by what they are called: the first bytes name the format (a text file
renamed to .png, an executable renamed to .jpg or an SVG with a script is refused whatever its name or the browser's
content type says), and the size is bounded. Any surface that accepts a file a person chose calls `check_upload`
(or `check_image`) before storing it; the answer gives the extension to store it under (never the person's own
file name) and the content type to serve it with.

Formats: JPEG, PNG, GIF and WebP images, and PDF documents when a caller allows them. A refusal is a Django
ValidationError with the Chinese message the person sees ("只能上传 JPG、PNG、GIF 或 WebP 图片", "图片不能超过 5 MB").
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MB = 1024 * 1024
IMAGE_MAX_BYTES = 5 * MB
HEAD_BYTES = 16


@dataclass(frozen=True)
class Kind:
    """One format: `name` ("jpeg"), the extension to store it under (".jpg"), its content type and the name a
    person knows it by ("JPG")."""

    name: str
    extension: str
    content_type: str
    label: str


JPEG = Kind("jpeg", ".jpg", "image/jpeg", "JPG")
PNG = Kind("png", ".png", "image/png", "PNG")
GIF = Kind("gif", ".gif", "image/gif", "GIF")
WEBP = Kind("webp", ".webp", "image/webp", "WebP")
PDF = Kind("pdf", ".pdf", "application/pdf", "PDF")
IMAGES = (JPEG, PNG, GIF, WEBP)
IMAGES_AND_PDF = (*IMAGES, PDF)
BY_EXTENSION = {kind.extension: kind for kind in IMAGES_AND_PDF}


def sniff(head: bytes) -> Kind | None:
    """The format of a file from its first bytes (16 are enough), or None when it is none of the known ones."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def allowed_text(kinds: Iterable[Kind]) -> str:
    """"只能上传 JPG、PNG、GIF 或 WebP 图片" (or "…图片或 PDF 文件") for the formats a caller accepts."""
    kinds = list(kinds)
    images = [k.label for k in kinds if k.content_type.startswith("image/")]
    others = [k.label for k in kinds if not k.content_type.startswith("image/")]
    if images and others:
        return f"只能上传 {'、'.join(images)} 图片或 {'、'.join(others)} 文件"
    if images:
        listed = images[0] if len(images) == 1 else f"{'、'.join(images[:-1])} 或 {images[-1]}"
        return f"只能上传 {listed} 图片"
    return f"只能上传 {'、'.join(others)} 文件"


def size_text(size: int) -> str:
    """5 MB, 500 KB, 100 字节."""
    if size >= MB and size % MB == 0:
        return f"{size // MB} MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KB"
    return f"{size} 字节"


def _size(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(position)
    return int(size)


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head or b""


def check_upload(file, *, kinds: Iterable[Kind] = IMAGES, max_bytes: int = IMAGE_MAX_BYTES,
                 noun: str = "图片") -> Kind:
    """The format of an uploaded file (a Django UploadedFile or File), or ValidationError: code "no_file",
    "empty_file", "too_large" or "wrong_type", with its Chinese message. The file is left at its start."""
    kinds = tuple(kinds)
    if file is None:
        raise ValidationError(f"请选择要上传的{noun}", code="no_file")
    size = _size(file)
    if size == 0:
        raise ValidationError(f"上传的{noun}是空文件", code="empty_file")
    if size > max_bytes:
        raise ValidationError(f"{noun}不能超过 {size_text(max_bytes)}", code="too_large")
    kind = sniff(_head(file))
    if kind is None or kind not in kinds:
        raise ValidationError(allowed_text(kinds), code="wrong_type")
    return kind


def check_image(file, *, max_bytes: int = IMAGE_MAX_BYTES) -> Kind:
    """A JPEG, PNG, GIF or WebP image of at most `max_bytes` (5 MB unless told)."""
    return check_upload(file, kinds=IMAGES, max_bytes=max_bytes, noun="图片")
