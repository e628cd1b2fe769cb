"""The level certificate as a document: a landscape A4 PDF (fpdf2, the DejaVu fonts shipped in
bot/assets/fonts for the Vietnamese letters, a QR code by segno) and the same page as a PNG
(rendered from the PDF by pdfium), so both always show the same thing."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pypdfium2 as pdfium
import segno
from fpdf import FPDF

from bot.services.certificates import CertificateCard

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
PAGE_W, PAGE_H = 297.0, 210.0  # mm, A4 landscape
PNG_DPI = 150

INK = (31, 42, 68)  # deep navy: the text
GREEN = (23, 78, 61)  # the outer frame and the heading
GOLD = (184, 145, 47)  # the inner frame, rules and ornaments
MUTED = (96, 104, 120)  # small print
PAPER = (255, 253, 246)  # warm white

# pdfium is not thread-safe; renders come from worker threads (asyncio.to_thread).
_PDFIUM = threading.Lock()


class PdfCertificates:
    """`CertificateMaker`: the PDF and its PNG from one layout."""

    def __init__(self, fonts: Path = FONTS) -> None:
        self.fonts = fonts

    def pdf(self, card: CertificateCard) -> bytes:
        doc = FPDF(orientation="L", unit="mm", format="A4")
        doc.set_auto_page_break(False)
        doc.set_margin(0)
        doc.add_font("Serif", "", str(self.fonts / "DejaVuSerif.ttf"))
        doc.add_font("Serif", "B", str(self.fonts / "DejaVuSerif-Bold.ttf"))
        doc.add_font("Sans", "", str(self.fonts / "DejaVuSans.ttf"))
        doc.set_title(f"{card.heading}: {card.full_name}")
        doc.set_author(card.programme)
        doc.set_subject(f"{card.achievement}: {card.level_title}")
        doc.add_page()
        _frame(doc)
        _body(doc, card)
        _qr(doc, card)
        _seal(doc, card)
        return bytes(doc.output())

    def png(self, card: CertificateCard) -> bytes:
        return render_png(self.pdf(card))


def render_png(pdf: bytes, dpi: int = PNG_DPI) -> bytes:
    """The first page of a PDF as a PNG."""
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            image = document[0].render(scale=dpi / 72).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _frame(doc: FPDF) -> None:
    doc.set_fill_color(*PAPER)
    doc.rect(0, 0, PAGE_W, PAGE_H, style="F")
    doc.set_draw_color(*GREEN)
    doc.set_line_width(2.2)
    doc.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    doc.set_draw_color(*GOLD)
    doc.set_line_width(0.5)
    doc.rect(13.5, 13.5, PAGE_W - 27, PAGE_H - 27)
    # A small diamond at each inner corner: a quiet ornament that prints well in grey too.
    doc.set_fill_color(*GOLD)
    for x, y in (
        (13.5, 13.5),
        (PAGE_W - 13.5, 13.5),
        (13.5, PAGE_H - 13.5),
        (PAGE_W - 13.5, PAGE_H - 13.5),
    ):
        doc.polygon([(x, y - 3), (x + 3, y), (x, y + 3), (x - 3, y)], style="F")


def _centred(
    doc: FPDF,
    y: float,
    text: str,
    family: str,
    style: str,
    size: float,
    colour: tuple[int, int, int],
    spacing: float = 0,
) -> None:
    doc.set_font(family, style, size)
    doc.set_char_spacing(spacing)
    doc.set_text_color(*colour)
    doc.set_xy(0, y)
    doc.cell(PAGE_W, size * 0.45, text, align="C")
    doc.set_char_spacing(0)


def _fitting_size(
    doc: FPDF, text: str, family: str, style: str, largest: float, width: float
) -> float:
    """The largest font size (down to a third) at which the text fits the width."""
    size = largest
    while size > largest / 3:
        doc.set_font(family, style, size)
        if doc.get_string_width(text) <= width:
            break
        size -= 1
    return size


def _rule(doc: FPDF, y: float, half: float) -> None:
    doc.set_draw_color(*GOLD)
    doc.set_line_width(0.4)
    doc.line(PAGE_W / 2 - half, y, PAGE_W / 2 + half, y)


def _body(doc: FPDF, card: CertificateCard) -> None:
    _centred(doc, 24, card.programme.upper(), "Serif", "B", 12, GOLD, spacing=2.2)
    _rule(doc, 33, 22)
    _centred(doc, 39, card.heading.upper(), "Serif", "B", 34, GREEN, spacing=1.2)
    _centred(doc, 62, card.lead, "Serif", "", 14, MUTED)
    size = _fitting_size(doc, card.full_name, "Serif", "B", 38, PAGE_W - 70)
    # On its baseline (90 mm), whatever size a long name needed: it sits on the rule below.
    _centred(doc, 90 - 0.331 * size, card.full_name, "Serif", "B", size, INK)
    _rule(doc, 96, 70)
    _centred(doc, 103, card.achievement, "Serif", "", 15, INK)
    title = f"«{card.level_title}»"
    _centred(
        doc,
        112,
        title,
        "Serif",
        "B",
        _fitting_size(doc, title, "Serif", "B", 19, PAGE_W - 80),
        GREEN,
    )
    y = 127
    if card.unit:
        _centred(
            doc,
            y,
            card.unit,
            "Serif",
            "",
            _fitting_size(doc, card.unit, "Serif", "", 12.5, PAGE_W - 90),
            INK,
        )
        y += 8
    _centred(doc, y, card.date, "Serif", "", 12.5, INK)
    # The code, bottom right, where a verifier looks for it.
    doc.set_text_color(*MUTED)
    doc.set_font("Sans", "", 8.5)
    doc.set_xy(PAGE_W - 120, 165)
    doc.cell(96, 5, card.code_label, align="R")
    doc.set_text_color(*INK)
    doc.set_font("Serif", "B", 14)
    doc.set_char_spacing(1)
    doc.set_xy(PAGE_W - 120, 171)
    doc.cell(96, 7, card.code, align="R")
    doc.set_char_spacing(0)


def _seal(doc: FPDF, card: CertificateCard) -> None:
    """Bottom centre: a round gold seal with the level's number."""
    cx, cy, r = PAGE_W / 2, 165.0, 14.0
    doc.set_draw_color(*GOLD)
    doc.set_fill_color(*PAPER)
    doc.set_line_width(1.2)
    doc.circle(x=cx, y=cy, radius=r, style="DF")
    doc.set_line_width(0.35)
    doc.circle(x=cx, y=cy, radius=r - 2.2, style="D")
    doc.set_text_color(*GOLD)
    doc.set_font("Sans", "", 7)
    doc.set_char_spacing(1.2)
    doc.set_xy(cx - r, cy - 8.5)
    doc.cell(2 * r, 3, card.seal_top.upper(), align="C")
    doc.set_char_spacing(0)
    doc.set_text_color(*GREEN)
    doc.set_font("Serif", "B", 22)
    doc.set_xy(cx - r, cy - 4.5)
    doc.cell(2 * r, 10, card.seal_level, align="C")


def _qr(doc: FPDF, card: CertificateCard) -> None:
    """Bottom left: the QR code to the verification page, with its address spelled out."""
    qr = segno.make(card.verify_url, error="q")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=12, border=0, dark="#1f2a44", light="#fffdf6")
    image.seek(0)
    side = 30.0
    x, y = 25.0, 143.0
    doc.image(image, x=x, y=y, w=side, h=side)
    doc.set_text_color(*MUTED)
    doc.set_font("Sans", "", 7.5)
    doc.set_xy(x, y + side + 2)
    doc.cell(90, 4, card.scan)
    doc.set_font("Sans", "", 7)
    doc.set_xy(x, y + side + 6)
    doc.cell(100, 4, card.verify_url)
