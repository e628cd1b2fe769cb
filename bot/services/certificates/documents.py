"""The certificate as a document: the printed words (always Vietnamese), the verify address,
and the PDF (or its picture) sent in chat."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from bot.i18n import Translator
from bot.services.context import Deps
from bot.services.io import Out, OutFile
from bot.services.ports.passing import CertificateRecord
from scoring.certificate_code import shown

DEFAULT_PUBLIC_URL = "http://localhost:8080"
VERIFY_PATH = "/verify/"


@dataclass(frozen=True)
class CertificateCard:
    """Everything printed on one certificate, already in words: the renderer only lays it out."""

    programme: str
    heading: str
    lead: str
    full_name: str
    achievement: str
    level_title: str
    unit: str
    date: str
    code_label: str
    code: str
    scan: str
    verify_url: str
    seal_top: str = ""  # the word over the seal's number ("Bậc")
    seal_level: str = ""  # the level's number, in the seal


class CertificateMaker(Protocol):
    """Turns a card into documents (implemented with fpdf2, segno and pdfium in bot/documents)."""

    def pdf(self, card: CertificateCard) -> bytes: ...
    def png(self, card: CertificateCard) -> bytes: ...


def verify_url(public_url: str, code: str) -> str:
    return public_url.rstrip("/") + VERIFY_PATH + shown(code)


def card(public_url: str, record: CertificateRecord) -> CertificateCard:
    """The printed words, in Vietnamese: the programme's certificates are Vietnamese documents."""
    vi = Translator("vi")
    day = record.issued_on or record.earned_at.date()
    return CertificateCard(
        programme=vi("cert.pdf.programme"),
        heading=vi("cert.pdf.heading"),
        lead=vi("cert.pdf.lead"),
        full_name=record.full_name or "",
        achievement=vi("cert.pdf.achievement", level=record.level),
        level_title=record.level_title,
        unit=vi("cert.pdf.unit", unit=record.unit_name) if record.unit_name else "",
        date=vi("cert.pdf.date", day=day.day, month=day.month, year=day.year),
        code_label=vi("cert.pdf.code"),
        code=shown(record.code),
        scan=vi("cert.pdf.scan"),
        verify_url=verify_url(public_url, record.code),
        seal_top=vi("cert.pdf.seal"),
        seal_level=str(record.level),
    )


async def documents(deps: Deps, record: CertificateRecord, tr: Translator) -> list[Out]:
    """The certificate as a PDF file; channels that send no files show its picture by address
    (where the public address is HTTPS) or say where to see it."""
    url = verify_url(deps.public_url, record.code)
    text = tr(
        "cert.document",
        level=record.level,
        title=record.level_title,
        name=record.full_name,
        url=url,
    )
    if deps.certificate_maker is None:
        return [Out(text=text)]
    pdf = await asyncio.to_thread(deps.certificate_maker.pdf, card(deps.public_url, record))
    picture = url + ".png" if url.startswith("https://") else ""
    return [
        Out(
            text=text,
            file=OutFile(
                f"chung-nhan-bac-{record.level}-{record.code}.pdf",
                pdf,
                "application/pdf",
                picture_url=picture,
            ),
        )
    ]
