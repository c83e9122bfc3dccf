"""core/uploads.py: files are recognised by their first bytes (real images made with Pillow), whatever their name,
and bounded in size, with the Chinese message a person sees."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from smartunion.core import uploads


def image_bytes(fmt: str, size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "name", "extension", "content_type"), [
    ("JPEG", "jpeg", ".jpg", "image/jpeg"),
    ("PNG", "png", ".png", "image/png"),
    ("GIF", "gif", ".gif", "image/gif"),
    ("WEBP", "webp", ".webp", "image/webp"),
])
def test_each_image_format_is_recognised_whatever_its_name(fmt, name, extension, content_type):
    upload = SimpleUploadedFile("photo.txt", image_bytes(fmt), content_type="text/plain")
    kind = uploads.check_image(upload)
    assert (kind.name, kind.extension, kind.content_type) == (name, extension, content_type)
    assert upload.tell() == 0  # left at its start, ready to be stored


def test_a_renamed_text_file_is_refused():
    upload = SimpleUploadedFile("photo.png", b"just some text, not a picture", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(upload)
    assert (refused.value.code, refused.value.messages) == ("wrong_type", ["只能上传 JPG、PNG、GIF 或 WebP 图片"])


def test_an_svg_and_a_pdf_are_not_images():
    svg = SimpleUploadedFile("a.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    pdf = SimpleUploadedFile("a.jpg", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    for upload in (svg, pdf):
        with pytest.raises(ValidationError) as refused:
            uploads.check_image(upload)
        assert refused.value.messages == ["只能上传 JPG、PNG、GIF 或 WebP 图片"]


def test_a_pdf_when_the_caller_allows_it():
    pdf = SimpleUploadedFile("scan.bin", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert uploads.check_upload(pdf, kinds=uploads.IMAGES_AND_PDF, noun="文件") is uploads.PDF
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(SimpleUploadedFile("a.doc", b"PK\x03\x04 a word file"), kinds=uploads.IMAGES_AND_PDF,
                             noun="文件")
    assert refused.value.messages == ["只能上传 JPG、PNG、GIF、WebP 图片或 PDF 文件"]


def test_an_oversized_image_is_refused_before_it_is_read():
    big = SimpleUploadedFile("big.png", image_bytes("PNG") + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(big)
    assert (refused.value.code, refused.value.messages) == ("too_large", ["图片不能超过 5 MB"])
    exactly = SimpleUploadedFile("ok.png", image_bytes("PNG").ljust(5 * 1024 * 1024, b"\0"))
    assert uploads.check_image(exactly) is uploads.PNG
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(SimpleUploadedFile("x.png", image_bytes("PNG")), max_bytes=10)
    assert refused.value.messages == ["图片不能超过 10 字节"]
    assert [uploads.size_text(n) for n in (10 * 1024 * 1024, 20 * 1024, 1500)] == ["10 MB", "20 KB", "1500 字节"]


def test_an_empty_or_missing_file_is_refused():
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(SimpleUploadedFile("empty.png", b""))
    assert (refused.value.code, refused.value.messages) == ("empty_file", ["上传的图片是空文件"])
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(None)
    assert (refused.value.code, refused.value.messages) == ("no_file", ["请选择要上传的图片"])


def test_a_plain_file_object_without_a_size_is_measured():
    handle = io.BytesIO(image_bytes("GIF"))
    handle.read(3)
    assert uploads.check_image(handle) is uploads.GIF
    assert handle.tell() == 0
