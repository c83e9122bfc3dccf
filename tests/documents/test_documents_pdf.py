"""The outgoing document as a GB/T 9704-2012 PDF: text in order, the grid's page count, the red separator, the
版记, and the plain refusal when the fonts are missing."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from smartunion.core.actors import SYSTEM
from smartunion.core.audit import AuditEvent
from smartunion.documents import pdf as docpdf
from smartunion.documents.models import NumberingRule, OutgoingDocument

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "为深入贯彻落实全省工会工作会议精神，进一步做好职工服务工作，现就有关事项通知如下。",
    "一、提高认识。各级工会要把职工服务作为重要任务，切实加强组织领导。",
    "（一）明确责任。各市总工会要于2026年4月30日前报送工作方案。",
]
NUMBER = "鲁工发〔2026〕12号"
TITLE = "山东省总工会关于做好2026年职工服务工作的通知"


def make_document(tree, *, body=None, **fields) -> OutgoingDocument:
    rule = NumberingRule.objects.create(org=tree.province, name="发文", prefix="鲁工发")
    values = dict(
        org=tree.province, kind=OutgoingDocument.Kind.NOTICE, title=TITLE, issuer_mark="山东省总工会文件",
        copy_number="12", rule=rule, number_year=2026, number_seq=12, number=NUMBER,
        main_recipients="各市总工会，省产业工会", body="\n".join(PARAGRAPHS) if body is None else body,
        cc="中华全国总工会，省委办公厅", written_on=dt.date(2026, 3, 5), printer="山东省总工会办公室",
        printed_on=dt.date(2026, 3, 6), status=OutgoingDocument.Status.DISTRIBUTION,
    )
    values.update(fields)
    return OutgoingDocument.objects.create(**values)


def text_of(data: bytes) -> list[str]:
    """The text of each page without whitespace and the page number (drawn first). pypdf reads the two-byte codes
    of fpdf2's CID-keyed CFF fonts (Noto CJK) as one byte each and puts a NUL before every character: dropped."""
    pages = []
    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages, 1):
        text = re.sub(r"[\s\x00]+", "", page.extract_text())
        assert text.startswith(f"—{number}—"), text[:20]
        pages.append(text.removeprefix(f"—{number}—"))
    return pages


def in_order(text: str, parts: list[str]) -> list[int]:
    positions, start = [], 0
    for part in parts:
        found = text.find(part, start)
        assert found >= 0, f"{part!r} not found after position {start}"
        positions.append(found)
        start = found + len(part)
    return positions


def test_text_of_the_rendered_file_has_every_element_in_order(tree):
    data = docpdf.render_pdf(make_document(tree))
    assert data.startswith(b"%PDF-")
    pages = text_of(data)
    # the title takes two lines, the three paragraphs six: 署名 and 成文日期 with the seal's room go to page 2
    assert len(pages) == 2
    assert pages[1].startswith("山东省总工会2026年3月5日抄送")
    in_order("".join(pages), [
        "000012", "山东省总工会文件", NUMBER, TITLE, "各市总工会，省产业工会：", *PARAGRAPHS, "山东省总工会",
        "2026年3月5日", "抄送：中华全国总工会，省委办公厅。", "山东省总工会办公室", "2026年3月6日印发",
    ])


def test_secrecy_urgency_and_the_upward_layout_with_the_signer(tree):
    doc = make_document(tree, kind=OutgoingDocument.Kind.REQUEST, secrecy="confidential", secrecy_period="1年",
                        urgency="extra_urgent", signer_name="王强", title="山东省总工会关于申请专项经费的请示")
    page = text_of(docpdf.render_pdf(doc))[0]
    in_order(page, ["000012", "机密★1年", "特急", "山东省总工会文件", NUMBER, "签发人：王强",
                    "山东省总工会关于申请专项经费的请示"])


def test_title_lines_are_balanced_and_keep_numbers_whole():
    layout = docpdf.Layout(docpdf.resolve_fonts()[0])
    assert docpdf.balanced_title(layout, TITLE) == ["山东省总工会关于做好", "2026年职工服务工作的通知"]
    assert docpdf.balanced_title(layout, "关于召开会议的通知") == ["关于召开会议的通知"]


def test_html_body_becomes_paragraphs():
    assert docpdf.html_to_paragraphs("<p>第一段&nbsp;内容</p><p>第二段<br>第三段</p>\n") == [
        "第一段\xa0内容", "第二段", "第三段"]
    assert docpdf.html_to_paragraphs("　　甲\r\n\r\n乙 ") == ["甲", "乙"]


def test_long_body_paginates_on_the_22_line_grid(tree):
    # 54 characters: 26 after the two-character indent, then a full line of 28: two grid lines a paragraph
    paragraph = "工" * 54
    doc = make_document(tree, body="\n".join([paragraph] * 60), cc="", printer="", printed_on=None)
    data = docpdf.render_pdf(doc)
    pages = text_of(data)
    # page 1: 份号 line 0, mark, 字号 line 8, red line, title lines 12-13, 主送 line 15, body lines 16-21 (three
    # paragraphs); pages 2-6: eleven paragraphs each; page 7: two, then 署名 and 成文日期 below the seal's room
    assert len(pages) == 7
    # 工 outside the body on page 1: the mark, 鲁工发, the title's three, 主送机关's two
    assert [p.count("工") for p in pages] == [3 * 54 + 7] + [11 * 54] * 5 + [2 * 54 + 1]
    assert pages[6].endswith("工山东省总工会2026年3月5日")  # 署名 and 成文日期 after the seal's room


def test_a_red_separator_line_and_the_red_mark(tree):
    data = docpdf.render_pdf(make_document(tree))
    content = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data().decode("latin-1")
    # the red stroke colour, then a line as wide as the text block (28 mm to 184 mm = 79.37 pt to 521.57 pt)
    assert re.search(r"1 0 0 RG\s+1\.42 w\s+79\.37 (\d+\.\d+) m 521\.57 \1 l S", content)
    assert "1 0 0 rg" in content  # the red 发文机关标志


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian poppler-utils) is not installed")
def test_rendered_page_shows_the_red_line_across_the_text_block(tree, tmp_path):
    pdf_file = tmp_path / "doc.pdf"
    pdf_file.write_bytes(docpdf.render_pdf(make_document(tree)))
    pdftoppm = shutil.which("pdftoppm") or "pdftoppm"
    subprocess.run([pdftoppm, "-r", "72", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf_file),
                    str(tmp_path / "p1")], check=True)
    from PIL import Image

    image = Image.open(tmp_path / "p1.png").convert("RGB")
    assert abs(image.size[0] - 595) <= 1 and abs(image.size[1] - 842) <= 1  # A4 at 72 dpi
    red_rows = [y for y in range(image.height) if all(
        image.getpixel((x, y))[0] > 200 and image.getpixel((x, y))[1] < 80 for x in (85, 300, 515))]
    assert red_rows, "no red line across the text block"
    assert all(image.getpixel((x, red_rows[0]))[1] > 200 for x in (60, 540))  # not beyond the text block


def test_missing_fonts_are_refused_plainly(tree, settings):
    settings.DOCUMENTS_PDF_FONTS = {role: ["/nonexistent/font.ttc#2"] for role in ("title", "body", "hei", "kai")}
    assert docpdf.check_fonts() == ["title", "body", "hei", "kai"]
    doc = make_document(tree)
    with pytest.raises(docpdf.FontsMissing) as refused:
        docpdf.render_pdf(doc)
    assert str(refused.value) == ("未找到公文所需的中文字体（小标宋、仿宋、黑体、楷体的替代字体），"
                                  "请安装 fonts-noto-cjk 字体包（或在设置 DOCUMENTS_PDF_FONTS 中指定字体文件）后重试")
    assert refused.value.status == 503
    with pytest.raises(docpdf.FontsMissing):
        docpdf.store_pdf(doc, by=SYSTEM)
    doc.refresh_from_db()
    assert not doc.pdf


def test_one_missing_role_is_named(tree, settings):
    settings.DOCUMENTS_PDF_FONTS = {"hei": ["/nonexistent/hei.otf"]}
    assert docpdf.check_fonts() == ["hei"]
    with pytest.raises(docpdf.FontsMissing, match=r"^未找到公文所需的中文字体（黑体的替代字体），"):
        docpdf.render_pdf(make_document(tree))


def test_a_character_no_font_draws_is_refused_not_boxed(tree):
    with pytest.raises(docpdf.Invalid, match="字符“\U0001F600”（U\\+1F600）在已安装的中文字体中没有字形"):
        docpdf.render_pdf(make_document(tree, body="祝大家节日快乐\U0001F600"))


def test_store_pdf_keeps_the_file_and_audits(tree, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = make_document(tree)
    docpdf.store_pdf(doc, by=personas.province_admin)
    doc.refresh_from_db()
    assert doc.pdf.name.startswith("documents/pdf/") and doc.pdf.name.endswith(f"outgoing-{doc.pk}-r1.pdf")
    with doc.pdf.open("rb") as f:
        assert NUMBER in text_of(f.read())[0]
    event = AuditEvent.objects.get(action="documents.outgoing.render_pdf")
    assert (event.actor, event.target_id, event.data) == (personas.province_admin, str(doc.pk),
                                                          {"pages": 2, "bytes": event.data["bytes"]})
    with pytest.raises(TypeError):
        docpdf.store_pdf(doc, by=None)
