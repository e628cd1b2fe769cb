"""How long a level certificate takes to make, and how big it is.

    .venv/bin/python bench/certificate_bench.py [--rounds 20]

Prints the median and p95 milliseconds to make one certificate's PDF (fpdf2 with the shipped
DejaVu fonts, subset per document, and its QR code) and its PNG (the PDF rendered by pdfium at
150 dpi), and their sizes. Both run in a worker thread in the bot, off the event loop.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bot.documents.certificate_pdf import PdfCertificates, render_png  # noqa: E402
from bot.services.certificates import CertificateCard  # noqa: E402
from scoring.certificate_code import new_code, shown  # noqa: E402


def card(i: int) -> CertificateCard:
    code = shown(new_code())
    return CertificateCard(
        programme="Chương trình Bình dân học AI",
        heading="Giấy chứng nhận",
        lead="Chứng nhận học viên",
        full_name=f"Nguyễn Thị Phương Thảo {i}",
        achievement="đã hoàn thành Bậc 1 của chương trình",
        level_title="Làm việc với văn bản cùng AI",
        unit="Đơn vị: Tổ dân phố số 5, Phường Phan Đình Phùng",
        date="Cấp ngày 23 tháng 11 năm 2026",
        code_label="Mã chứng nhận",
        code=code,
        scan="Quét mã QR hoặc mở địa chỉ dưới đây để xác minh:",
        verify_url=f"https://hocai.example.vn/verify/{code}",
        seal_top="Bậc",
        seal_level="1",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    maker = PdfCertificates()
    maker.pdf(card(0))  # warm: imports, font parsing caches
    pdf_ms, png_ms, pdf_sizes, png_sizes = [], [], [], []
    for i in range(args.rounds):
        start = time.perf_counter()
        pdf = maker.pdf(card(i))
        middle = time.perf_counter()
        png = render_png(pdf)
        end = time.perf_counter()
        pdf_ms.append((middle - start) * 1000)
        png_ms.append((end - middle) * 1000)
        pdf_sizes.append(len(pdf))
        png_sizes.append(len(png))

    def p95(values: list[float]) -> float:
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    print(f"certificates made: {args.rounds}")
    print(
        f"PDF: median {statistics.median(pdf_ms):.0f} ms, p95 {p95(pdf_ms):.0f} ms, "
        f"{statistics.median(pdf_sizes) / 1024:.0f} KiB"
    )
    print(
        f"PNG (150 dpi, from the PDF): median {statistics.median(png_ms):.0f} ms, "
        f"p95 {p95(png_ms):.0f} ms, {statistics.median(png_sizes) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
