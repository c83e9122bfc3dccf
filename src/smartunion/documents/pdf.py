"""The outgoing document (发文) as a PDF in the GB/T 9704-2012 layout, drawn with fpdf2 on the standard's line grid.

Figures from the standard (all in mm unless said otherwise):
- A4 210 × 297; the text block (版心) is 156 × 225, 37 from the top edge and 28 from the left edge.
- 22 lines a page of 28 characters of 3号 仿宋 (16 pt): a line pitch of 225/22 and a character cell of 156/28, so
  body text is set with a small negative character spacing and every full-width character sits in its cell.
- 版头: 份号 (6 digits), 密级和保密期限 and 紧急程度 (3号 黑体) top-left one line each; the 发文机关标志 in red 小标宋
  centred, its top 35 below the text block's top (80 for 上行文: 请示 and 报告); the 发文字号 two lines below it,
  centred (上行文: left with one character space, 签发人 right with one character space); the red separator line 4
  below the 发文字号, as wide as the text block.
- 主体: the title in 2号 小标宋 (22 pt) centred two lines below the red line, split into balanced lines; 主送机关 one
  line below the title, flush left; the body in 3号 仿宋 with a first-line indent of two characters, level-1 headings
  (一、) in 黑体 and level-2 headings (（一）) in 楷体; 附件说明 one line below the body; the 发文机关署名 and the
  成文日期 (right, four characters from the edge) below the room the seal (印章) needs.
- 版记 at the bottom of the last page: 抄送 and 印发机关和印发日期 in 4号 仿宋 (14 pt) between separator lines, the
  first and last 0.35 thick, the middle ones 0.25; the last coincides with the text block's bottom edge.
- Page numbers in 4号 Song as "— 1 —", 7 below the text block, odd pages right and even pages left, one character in.

The standard's 方正小标宋 and 仿宋_GB2312 are proprietary: each role takes the first existing file of a candidate list
(settings.DOCUMENTS_PDF_FONTS overrides DEFAULT_FONTS), from Debian's fonts-noto-cjk and fonts-arphic-ukai. Without
them the renderer raises FontsMissing with a plain Chinese message, and a character that no font can draw is refused
by name: the output never shows empty boxes.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile

from smartunion.core.actors import require_actor
from smartunion.core.audit import log_event
from smartunion.core.errors import DomainError, Invalid

# Page geometry (mm) ------------------------------------------------------------------------------------------------

PAGE_W, PAGE_H = 210.0, 297.0
TOP, LEFT = 37.0, 28.0
BLOCK_W, BLOCK_H = 156.0, 225.0
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
PITCH = BLOCK_H / LINES_PER_PAGE  # 10.227 mm
CELL = BLOCK_W / CHARS_PER_LINE  # 5.571 mm
PT = 25.4 / 72  # mm per point
SIZE_3 = 16.0  # 3号
SIZE_2 = 22.0  # 2号
SIZE_4 = 14.0  # 4号
MARK_TOP = 35.0  # 发文机关标志 below the text block's top edge
MARK_TOP_UPWARD = 80.0  # ... for 上行文
MARK_MAX_MM = 18.0  # the largest character of the 发文机关标志
RED = (255, 0, 0)
RED_RULE_MM = 0.5
THICK_MM = 0.35
THIN_MM = 0.25

FONT_LABELS = {"title": "小标宋", "body": "仿宋", "hei": "黑体", "kai": "楷体"}
NOTO = "/usr/share/fonts/opentype/noto"
# "path#N" picks font N of a collection (.ttc); the Simplified Chinese face of Debian's Noto CJK collections is #2.
DEFAULT_FONTS: dict[str, list[str]] = {
    "title": [f"{NOTO}/NotoSerifCJK-Bold.ttc#2", "/usr/share/fonts/opentype/noto/NotoSerifCJKsc-Bold.otf"],
    "body": [f"{NOTO}/NotoSerifCJK-Regular.ttc#2", "/usr/share/fonts/opentype/noto/NotoSerifCJKsc-Regular.otf",
             "/usr/share/fonts/truetype/arphic/uming.ttc#0"],
    "hei": [f"{NOTO}/NotoSansCJK-Regular.ttc#2", "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0"],
    "kai": ["/usr/share/fonts/truetype/arphic/ukai.ttc#0", f"{NOTO}/NotoSerifCJK-Regular.ttc#2"],
}
ROLE_ORDER = ("title", "body", "hei", "kai")

UPWARD_KINDS = {"report", "request"}  # 上行文: 报告, 请示
NO_LINE_START = set("，。、；：？！）》」』〕】〉”’…—·%,.;:?!)]}%")
NO_LINE_END = set("（《「『〔【〈“‘([{")
LEVEL1 = re.compile(r"^[一二三四五六七八九十百]+、")
LEVEL2 = re.compile(r"^（[一二三四五六七八九十百]+）")
ALNUM = re.compile(r"[A-Za-z0-9.%]")


class FontsMissing(DomainError):
    """The machine lacks the Chinese fonts the layout needs (an installation problem, not the user's)."""

    status = 503
    default_code = "fonts_missing"

    @classmethod
    def of(cls, roles: list[str]) -> FontsMissing:
        names = "、".join(FONT_LABELS[r] for r in ROLE_ORDER if r in roles)
        return cls(f"未找到公文所需的中文字体（{names}的替代字体），请安装 fonts-noto-cjk 字体包"
                   f"（或在设置 DOCUMENTS_PDF_FONTS 中指定字体文件）后重试")


# Fonts -------------------------------------------------------------------------------------------------------------


def font_candidates() -> dict[str, list[str]]:
    """Candidate files per role: DEFAULT_FONTS with the roles settings.DOCUMENTS_PDF_FONTS names replaced."""
    chosen = dict(DEFAULT_FONTS)
    chosen.update(getattr(settings, "DOCUMENTS_PDF_FONTS", None) or {})
    return chosen


def _split(candidate: str) -> tuple[str, int]:
    path, _, number = candidate.partition("#")
    return path, int(number) if number.isdigit() else 0


def resolve_fonts() -> tuple[dict[str, tuple[str, int]], list[str]]:
    """The first existing file of each role, and the roles with none."""
    found: dict[str, tuple[str, int]] = {}
    missing: list[str] = []
    candidates = font_candidates()
    for role in ROLE_ORDER:
        for candidate in candidates.get(role, []):
            path, number = _split(candidate)
            if os.path.isfile(path):
                found[role] = (path, number)
                break
        else:
            missing.append(role)
    return found, missing


def check_fonts() -> list[str]:
    """The font roles (title, body, hei, kai) that no candidate file covers on this machine; empty when all do."""
    return resolve_fonts()[1]


# Text model --------------------------------------------------------------------------------------------------------


@dataclass
class Run:
    role: str
    size: float  # pt
    text: str
    color: tuple[int, int, int] = (0, 0, 0)
    tc: float = 0.0  # character spacing, mm
    x: float = 0.0  # left edge, mm (set when laid out)


@dataclass
class GridLine:
    """One line of the grid: runs placed at x; `fixed` lines (版记) are drawn where they are, not flowed."""

    runs: list[Run] = field(default_factory=list)


def html_to_paragraphs(body: str) -> list[str]:
    """Plain paragraphs of the body: simple HTML (p, br, div, li, headings) becomes one paragraph a block."""
    text = body or ""
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr)>", "\n", text)
        text = re.sub(r"<[^>]+>", "", text)
        text = html.unescape(text)
    paragraphs = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip().strip("\u3000").strip()
        if line:
            paragraphs.append(line)
    return paragraphs


def cn_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


class Layout:
    """Lays the document out on the grid, page by page, and draws it with fpdf2."""

    def __init__(self, fonts: dict[str, tuple[str, int]]):
        from fpdf import FPDF
        from fpdf.fonts import TTFFont

        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(LEFT, TOP, PAGE_W - LEFT - BLOCK_W)
        self.cmaps: dict[str, set[int]] = {}
        broken = []
        for role, (path, number) in fonts.items():
            try:
                self.pdf.add_font(role, fname=path, collection_font_number=number)
            except Exception:  # any unreadable font file is a missing font to the reader
                broken.append(role)
                continue
            font = self.pdf.fonts[role]
            self.cmaps[role] = set(font.ttfont.getBestCmap()) if isinstance(font, TTFFont) else set()
        if broken:
            raise FontsMissing.of(broken)
        self.widths: dict[tuple[str, str], float] = {}
        self.page = 0
        self.line = 0

    # measuring

    def role_for(self, role: str, ch: str) -> str:
        """The role whose font draws ch: the asked one, else any other; a character none has is refused."""
        if ch == " " or ord(ch) in self.cmaps[role]:
            return role
        for other in ROLE_ORDER:
            if ord(ch) in self.cmaps.get(other, ()):
                return other
        raise Invalid(f"字符“{ch}”（U+{ord(ch):04X}）在已安装的中文字体中没有字形，无法生成版式文件，请修改后重试")

    def advance(self, role: str, size: float, ch: str, tc: float) -> float:
        """How far ch moves the pen: one grid cell for a full-width character on the grid, else its own width."""
        if tc and unicodedata.east_asian_width(ch) in "WF":
            return size * PT + tc
        key = (role, ch)
        if key not in self.widths:
            self.pdf.set_font(role, size=100)
            self.widths[key] = self.pdf.get_string_width(ch) / 100
        return self.widths[key] * size + tc

    def width(self, runs: list[Run]) -> float:
        return sum(self.advance(r.role, r.size, ch, r.tc) for r in runs for ch in r.text)

    def runs_of(self, text: str, role: str, size: float, *, color=(0, 0, 0), grid=True) -> list[Run]:
        """text in role's font, split where a character needs another font; on the grid the cells are CELL wide."""
        tc = (CELL - size * PT) if grid else 0.0
        runs: list[Run] = []
        for ch in text:
            r = self.role_for(role, ch)
            if runs and runs[-1].role == r:
                runs[-1].text += ch
            else:
                runs.append(Run(r, size, ch, color, tc))
        return runs

    def wrap(self, chars: list[tuple[str, str]], size: float, first_x: float, rest_x: float,
             right: float = LEFT + BLOCK_W, *, grid=True, color=(0, 0, 0)) -> list[list[Run]]:
        """Break (char, role) pairs into lines between x and right, by characters, keeping the line-breaking rules
        (no closing punctuation at a line's start: it hangs; no opening one at a line's end; a short number or
        Latin word stays whole)."""
        tc = (CELL - size * PT) if grid else 0.0
        lines: list[list[tuple[str, str]]] = []
        current: list[tuple[str, str]] = []
        x = first_x
        start_x = first_x
        i = 0
        while i < len(chars):
            ch, role = chars[i]
            role = self.role_for(role, ch)
            w = self.advance(role, size, ch, tc)
            if current and x + w > right + 0.01 and ch not in NO_LINE_START:
                carry: list[tuple[str, str]] = []
                while current and current[-1][0] in NO_LINE_END:
                    carry.insert(0, current.pop())
                if ALNUM.match(ch):
                    j = len(current)
                    while j > 0 and ALNUM.match(current[j - 1][0]):
                        j -= 1
                    if 0 < j and len(current) - j < 10:
                        carry = current[j:] + carry
                        current = current[:j]
                lines.append(current)
                current = carry
                start_x = rest_x
                x = start_x + sum(self.advance(self.role_for(r, c), size, c, tc) for c, r in current)
                continue
            current.append((ch, role))
            x += w
            i += 1
        if current:
            lines.append(current)
        out = []
        for index, line in enumerate(lines):
            runs: list[Run] = []
            for ch, role in line:
                if runs and runs[-1].role == role:
                    runs[-1].text += ch
                else:
                    runs.append(Run(role, size, ch, color, tc))
            self.place(runs, first_x if index == 0 else rest_x)
            out.append(runs)
        return out

    def place(self, runs: list[Run], x: float) -> list[Run]:
        for run in runs:
            run.x = x
            x += sum(self.advance(run.role, run.size, ch, run.tc) for ch in run.text)
        return runs

    def centred(self, runs: list[Run]) -> list[Run]:
        return self.place(runs, LEFT + (BLOCK_W - self.width(runs)) / 2)

    def right(self, runs: list[Run], space: float) -> list[Run]:
        return self.place(runs, LEFT + BLOCK_W - space - self.width(runs))

    # drawing

    def new_page(self):
        self.pdf.add_page()
        self.page += 1
        self.line = 0
        self.page_number()

    def page_number(self):
        size = SIZE_4
        runs = self.runs_of(f"— {self.page} —", "body", size, grid=False)
        if self.page % 2:
            self.right(runs, size * PT)
        else:
            self.place(runs, LEFT + size * PT)
        self.draw(runs, TOP + BLOCK_H + 7.0 + 0.3 * size * PT)

    @staticmethod
    def baseline(line: int, size: float) -> float:
        """The baseline that centres a CJK glyph (its box is 0.12 em below to 0.88 em above) in the grid line."""
        return TOP + line * PITCH + PITCH / 2 + 0.38 * size * PT

    def draw(self, runs: list[Run], y: float):
        for run in runs:
            self.pdf.set_font(run.role, size=run.size)
            self.pdf.set_text_color(*run.color)
            self.pdf.set_char_spacing(round(run.tc / PT, 2))
            self.pdf.text(run.x, y, run.text)
        self.pdf.set_char_spacing(0)

    def emit(self, runs: list[Run]):
        """Draw one line on the next grid line, starting a page when this one is full."""
        if self.line >= LINES_PER_PAGE:
            self.new_page()
        size = max((r.size for r in runs), default=SIZE_3)
        self.draw(runs, self.baseline(self.line, size))
        self.line += 1

    def skip(self, lines: int):
        """Leave lines empty (never carried over to the top of a new page)."""
        self.line = min(self.line + lines, LINES_PER_PAGE)

    def rule(self, y: float, width: float, color=(0, 0, 0)):
        self.pdf.set_draw_color(*color)
        self.pdf.set_line_width(width)
        self.pdf.line(LEFT, y, LEFT + BLOCK_W, y)

    def first_line_below(self, y: float) -> int:
        """The first grid line whose top is at or below y (mm from the page's top)."""
        line = 0
        while TOP + line * PITCH < y - 0.01:
            line += 1
        return line


def balanced_title(layout: Layout, title: str) -> list[str]:
    """The title in as few lines as fit the text block, of near-equal length (梯形/菱形 rather than one long line
    and a stub)."""
    size = SIZE_2 * PT
    per_line = max(1, int(BLOCK_W // size))
    n = -(-len(title) // per_line) if title else 1
    base, extra = divmod(len(title), n)
    parts, start = [], 0
    for i in range(n):
        length = base + (1 if i < extra else 0)
        parts.append(title[start:start + length])
        start += length
    # no line starts with closing punctuation, and a number or Latin word stays on one line
    for i in range(1, len(parts)):
        while parts[i - 1] and parts[i] and ALNUM.match(parts[i - 1][-1]) and ALNUM.match(parts[i][0]):
            parts[i] = parts[i - 1][-1] + parts[i]
            parts[i - 1] = parts[i - 1][:-1]
        while parts[i] and parts[i][0] in NO_LINE_START:
            parts[i - 1] += parts[i][0]
            parts[i] = parts[i][1:]
    return [p for p in parts if p]


def _paragraph_chars(text: str) -> list[tuple[str, str]]:
    """(char, role) pairs: a level-1 heading (一、) in 黑体 and a level-2 one (（一）) in 楷体 up to its first 。."""
    role = "hei" if LEVEL1.match(text) else "kai" if LEVEL2.match(text) else None
    if role is None:
        return [(ch, "body") for ch in text]
    end = text.find("。")
    head = text if end < 0 else text[:end + 1]
    return [(ch, role) for ch in head] + [(ch, "body") for ch in text[len(head):]]


def _render(document) -> tuple[bytes, int]:
    fonts, missing = resolve_fonts()
    if missing:
        raise FontsMissing.of(missing)
    lay = Layout(fonts)
    upward = document.kind in UPWARD_KINDS
    lay.new_page()

    # 版头: 份号, 密级和保密期限, 紧急程度 one line each, top-left
    if document.copy_number:
        number = document.copy_number.zfill(6) if document.copy_number.isdigit() else document.copy_number
        lay.emit(lay.place(lay.runs_of(number, "body", SIZE_3, grid=False), LEFT))
    if document.secrecy:
        label = document.get_secrecy_display()
        if document.secrecy_period:
            label += "★" + document.secrecy_period
        lay.emit(lay.place(lay.runs_of(label, "hei", SIZE_3), LEFT))
    if document.urgency:
        lay.emit(lay.place(lay.runs_of(document.get_urgency_display(), "hei", SIZE_3), LEFT))

    # 发文机关标志: red, centred, as large as fits
    mark = document.issuer_mark or f"{document.org.name}文件"
    mark_mm = min(MARK_MAX_MM, BLOCK_W * 0.92 / max(len(mark), 1))
    mark_top = TOP + (MARK_TOP_UPWARD if upward else MARK_TOP)
    mark_runs = lay.centred(lay.runs_of(mark, "title", mark_mm / PT, color=RED, grid=False))
    lay.draw(mark_runs, mark_top + 0.88 * mark_mm)

    # 发文字号 two lines below the mark; 上行文 with 签发人 on the right
    lay.line = lay.first_line_below(mark_top + mark_mm) + 2
    number_line = lay.line
    number_runs = lay.runs_of(document.number, "body", SIZE_3) if document.number else []
    if upward:
        line_runs = lay.place(number_runs, LEFT + CELL)
        signer = document.signer_name or (document.signer.get_full_name() if document.signer else "")
        if signer:
            signer_runs = lay.runs_of("签发人：", "body", SIZE_3) + lay.runs_of(signer, "kai", SIZE_3)
            line_runs = line_runs + lay.right(signer_runs, CELL)
    else:
        line_runs = lay.centred(number_runs)
    lay.emit(line_runs)
    red_y = Layout.baseline(number_line, SIZE_3) + 0.12 * SIZE_3 * PT + 4.0
    lay.rule(red_y, RED_RULE_MM, RED)

    # 主体: the title two lines below the red line, 主送机关 one line below the title
    lay.line = lay.first_line_below(red_y) + 2
    for part in balanced_title(lay, document.title):
        lay.emit(lay.centred(lay.runs_of(part, "title", SIZE_2, grid=False)))
    lay.skip(1)
    if document.main_recipients:
        recipients = document.main_recipients.strip().rstrip("：:") + "："
        for runs in lay.wrap([(ch, "body") for ch in recipients], SIZE_3, LEFT, LEFT):
            lay.emit(runs)
    for paragraph in html_to_paragraphs(document.body):
        for runs in lay.wrap(_paragraph_chars(paragraph), SIZE_3, LEFT + 2 * CELL, LEFT):
            lay.emit(runs)

    attachments = [a.name for a in document.attachments.order_by("position", "pk")] if document.pk else []
    if attachments:
        lay.skip(1)
        for index, name in enumerate(attachments):
            name = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name)  # 附件名称 without the file extension
            if len(attachments) > 1:
                name = f"{index + 1}.{name}"
            prefix = "附件：" if index == 0 else ""
            first_x = LEFT + (2 if index == 0 else 5) * CELL
            for runs in lay.wrap([(ch, "body") for ch in prefix + name], SIZE_3, first_x, LEFT + 5 * CELL):
                lay.emit(runs)

    # 发文机关署名 centred over the 成文日期 (four characters from the right), below the room for the seal
    if document.written_on:
        date_runs = lay.runs_of(cn_date(document.written_on), "body", SIZE_3)
        date_runs = lay.right(date_runs, 4 * CELL)
        date_centre = date_runs[0].x + lay.width(date_runs) / 2
        sign_runs = lay.runs_of(document.org.name, "body", SIZE_3)
        lay.place(sign_runs, date_centre - lay.width(sign_runs) / 2)
        lay.skip(2)
        if lay.line + 2 > LINES_PER_PAGE:
            lay.new_page()
        lay.emit(sign_runs)
        lay.emit(date_runs)

    # 版记 at the bottom of the last page
    if document.cc or document.printer or document.printed_on:
        size = SIZE_4
        em = size * PT
        cc_lines: list[list[Run]] = []
        if document.cc:
            cc = document.cc.strip().rstrip("。.；;，,") + "。"
            head = lay.runs_of("抄送：", "body", size, grid=False)
            lay.place(head, LEFT + em)
            rest_x = LEFT + em + lay.width(head)
            cc_lines = lay.wrap([(ch, "body") for ch in cc], size, rest_x, rest_x, LEFT + BLOCK_W - em,
                                grid=False)
            cc_lines[0] = head + cc_lines[0]
        rows = len(cc_lines) + 1
        if lay.line > LINES_PER_PAGE - rows:
            lay.new_page()
        first = LINES_PER_PAGE - rows
        lay.rule(TOP + first * PITCH, THICK_MM)
        for offset, runs in enumerate(cc_lines):
            lay.draw(runs, Layout.baseline(first + offset, size))
        if cc_lines:
            lay.rule(TOP + (LINES_PER_PAGE - 1) * PITCH, THIN_MM)
        printed: list[Run] = []
        if document.printer:
            printed += lay.place(lay.runs_of(document.printer, "body", size, grid=False), LEFT + em)
        if document.printed_on:
            printed += lay.right(lay.runs_of(cn_date(document.printed_on) + "印发", "body", size, grid=False), em)
        lay.draw(printed, Layout.baseline(LINES_PER_PAGE - 1, size))
        lay.rule(TOP + BLOCK_H, THICK_MM)

    return bytes(lay.pdf.output()), lay.page


def render_pdf(document) -> bytes:
    """The document as PDF bytes in the GB/T 9704-2012 layout; FontsMissing when the machine lacks the fonts."""
    return _render(document)[0]


def store_pdf(document, *, by) -> None:
    """Render the document and keep it as its 版式文件 (document.pdf), replacing an earlier one; audited."""
    require_actor(by)
    data, pages = _render(document)
    old = document.pdf.name if document.pdf else ""
    document.pdf.save(f"outgoing-{document.pk}-r{document.revision}.pdf", ContentFile(data), save=False)
    document.save(update_fields=["pdf", "updated_at"])
    if old and old != document.pdf.name:
        document.pdf.storage.delete(old)
    log_event("documents.outgoing.render_pdf", actor=by, target=document, org=document.org,
              data={"pages": pages, "bytes": len(data)})
