"""The PDF of a report (fpdf2): title, period, KPI tiles, charts (plotly -> PNG via kaleido and
the system Chromium), the report's tables with repeated headings, page numbers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from fpdf import FPDF

from toolshare_core import charts
from toolshare_core.exports import MONEY_COLUMNS, RATIO_COLUMNS, Progress
from toolshare_core.metrics import METRIC_DEFINITIONS
from toolshare_core.reports import Report

log = logging.getLogger(__name__)

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHART_TIMEOUT_S = 60
MAX_CHART_WIDTH_MM = 182.0
EXTRA_HEADINGS = {
    "top_categories": "Top categories (sub-categories counted in their top category)",
    "postcode_reach": "Postcode reach (active borrowers by postcode area)",
}
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (0, 114, 178)
TILE_FILL = (232, 242, 250)
HEAD_FILL = (221, 235, 247)
ZEBRA = (246, 248, 250)
KPI_LABELS = {
    "loans_started": "loans", "active_borrowers": "active borrowers", "value_lent": "value lent",
    "turnover": "loans per item", "mean_loan_days": "mean loan (days)",
    "on_time_rate": "returned on time", "on_loan": "on loan now", "overdue": "overdue now",
    "utilisation": "utilisation", "items_in_circulation": "items in circulation",
    "never_borrowed": "never borrowed", "new_members": "new members",
    "postcode_areas": "postcode areas reached",
}


class ChartRenderError(RuntimeError):
    """Charts could not be turned into images (no browser, a timeout...)."""


def render_chart_images(figures: list[Any], width: int = 1000) -> list[bytes]:
    """PNG bytes of each plotly figure, rendered by kaleido with the system Chromium
    (BROWSER_PATH; never kaleido's own Chrome download)."""
    if not figures:
        return []
    if "BROWSER_PATH" not in os.environ and Path(SYSTEM_CHROMIUM).exists():
        os.environ["BROWSER_PATH"] = SYSTEM_CHROMIUM

    async def render() -> list[bytes]:
        import kaleido

        images = []
        async with kaleido.Kaleido(n=1, timeout=CHART_TIMEOUT_S, mathjax=False) as k:
            for fig in figures:
                height = int(fig.layout.height or 450)
                opts = {"format": "png", "width": width, "height": height, "scale": 2}
                images.append(await k.calc_fig(fig, opts=opts))
        return images

    try:  # its own thread, so a caller's running event loop (Jupyter, Streamlit) is no matter
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, render()).result(timeout=CHART_TIMEOUT_S * (len(figures) + 1))
    except Exception as exc:  # kaleido raises many kinds (browser missing, timeouts, ...)
        raise ChartRenderError(f"{type(exc).__name__}: {exc}".strip()) from exc


def format_value(name: str, value: Any) -> str:
    """A value as a person reads it in the PDF (ratios as percentages, money with 2 decimals)."""
    if value is None or value is pd.NaT or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%b %Y") if name == "month" else value.isoformat()
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if name in RATIO_COLUMNS:
            return f"{value * 100:.1f} %"
        if name in MONEY_COLUMNS:
            return f"{value:,.2f}"
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"
    return str(value)


class _Pdf(FPDF):
    def __init__(self, report: Report, landscape: bool) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.report = report
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "DejaVuSans-Bold.ttf").exists()
        if self.unicode:
            self.add_font("body", "", FONT_DIR / "DejaVuSans.ttf")
            self.add_font("body", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.family = "body" if self.unicode else "Helvetica"
        self.set_auto_page_break(True, margin=16)
        self.set_margins(14, 14, 14)
        self.set_title(f"ToolShare: {report.title}")
        self.set_creator("ToolShare")

    def text_of(self, text: str) -> str:
        if self.unicode:
            return text
        return text.replace("–", "-").encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(self.family, "", 8)
        self.set_text_color(*MUTED)
        left = self.text_of(f"ToolShare · {self.report.title} · {self.report.period.label()}")
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()} of {{nb}}", align="R")

    def heading(self, text: str, size: int = 13) -> None:
        if self.will_page_break(35):  # never a heading alone at the foot of a page
            self.add_page()
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 7, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)

    def note(self, text: str) -> None:
        self.set_font(self.family, "", 8.5)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 4.5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(1)


def _title_block(pdf: _Pdf, report: Report) -> None:
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 30, style="F")
    pdf.set_xy(pdf.l_margin, 7)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(pdf.family, "B", 20)
    pdf.cell(0, 10, pdf.text_of(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    pdf.cell(0, 6, pdf.text_of(f"ToolShare · {report.period.label()}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(34)
    pdf.set_text_color(*MUTED)
    pdf.set_font(pdf.family, "", 8.5)
    as_of = report.period.as_of.isoformat(timespec="minutes")
    made = report.generated_at.isoformat(timespec="minutes")
    line = f"As of {as_of} ({report.period.timezone}) · filters: {report.filters_text} · exported {made}"
    pdf.multi_cell(0, 4.5, pdf.text_of(line), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)


def _tiles(pdf: _Pdf, kpis: dict[str, float | int | None]) -> None:
    if not kpis:
        return
    per_row = 4
    gap = 4.0
    width = (pdf.epw - gap * (per_row - 1)) / per_row
    height = 20.0
    items = list(kpis.items())
    for start in range(0, len(items), per_row):
        if pdf.will_page_break(height + gap):
            pdf.add_page()
        y = pdf.get_y()
        for i, (key, value) in enumerate(items[start:start + per_row]):
            x = pdf.l_margin + i * (width + gap)
            pdf.set_fill_color(*TILE_FILL)
            pdf.rect(x, y, width, height, style="F", round_corners=True, corner_radius=2)
            pdf.set_xy(x, y + 2.5)
            pdf.set_font(pdf.family, "B", 15)
            pdf.set_text_color(*INK)
            pdf.cell(width, 8, pdf.text_of(format_value(key, value)), align="C")
            pdf.set_xy(x, y + 11.5)
            pdf.set_font(pdf.family, "", 8.5)
            pdf.set_text_color(*MUTED)
            label = KPI_LABELS.get(key, key.replace("_", " "))
            pdf.cell(width, 5, pdf.text_of(label), align="C")
        pdf.set_y(y + height + gap)
    pdf.set_text_color(*INK)


def _charts(pdf: _Pdf, report: Report, progress: Progress | None) -> None:
    figures = charts.report_figures(report.name, report.frame, report.by, report.extra_frames)
    if not figures:
        return
    if progress:
        progress(0.05, f"drawing {len(figures)} chart(s)")
    try:
        images = render_chart_images(figures)
    except ChartRenderError as exc:
        log.warning("charts not rendered: %s", exc)
        pdf.set_font(pdf.family, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, pdf.text_of(
            f"The charts could not be drawn on this computer ({exc}). The tables below hold "
            "every number."), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        return
    width = min(pdf.epw, MAX_CHART_WIDTH_MM)  # on landscape pages too, a chart keeps A4 width
    for fig, png in zip(figures, images, strict=True):
        height = width * float(fig.layout.height or 450) / 1000
        if pdf.will_page_break(height + 4):
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin + (pdf.epw - width) / 2, w=width, h=height)
        pdf.ln(3)


ROW_HEIGHT = 5.2


def _fit(pdf: _Pdf, text: str, width: float) -> str:
    """`text` cut with an ellipsis so it fits `width` (a table row stays one line)."""
    measured = pdf.get_string_width(text)
    if measured <= width:
        return text
    text = text[: max(0, int(len(text) * width / measured))]  # a close guess, then trim
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _table(pdf: _Pdf, frame: pd.DataFrame, progress: Progress | None = None,
           share: tuple[float, float] = (0.4, 0.6)) -> None:
    """A one-line-per-row table drawn with plain cells (fast for tens of thousands of rows),
    zebra rows, the header repeated at the top of every page."""
    if frame.empty:
        pdf.set_font(pdf.family, "", 10)
        pdf.cell(0, 8, "No rows for this period.", new_x="LMARGIN", new_y="NEXT")
        return
    size = 8 if len(frame.columns) > 6 else 9
    columns = [str(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    chars = [min(40, max(len(c), *(len(format_value(c, v)) for v in frame[c].head(200)))) + 2
             for c in columns]
    widths = [pdf.epw * n / sum(chars) for n in chars]
    aligns = ["R" if is_number else "L" for is_number in numeric]
    pad = 1.0

    def header() -> None:
        pdf.set_font(pdf.family, "B", size)
        pdf.set_fill_color(*HEAD_FILL)
        for name, width, align in zip(columns, widths, aligns, strict=True):
            label = _fit(pdf, pdf.text_of(name.replace("_", " ")), width - 2 * pad)
            pdf.cell(width, ROW_HEIGHT + 0.8, label, align=align, fill=True, border="B")
        pdf.ln(ROW_HEIGHT + 0.8)
        pdf.set_font(pdf.family, "", size)

    header()
    pdf.set_fill_color(*ZEBRA)
    total = len(frame)
    em = size * 0.3528  # mm per em at this font size
    safe = [int((w - 2 * pad) / em) for w in widths]  # texts this short always fit
    baseline = ROW_HEIGHT * 0.68
    for i, values in enumerate(frame.itertuples(index=False, name=None)):
        if pdf.will_page_break(ROW_HEIGHT):
            pdf.add_page()
            header()
            pdf.set_fill_color(*ZEBRA)
        y = pdf.get_y()
        if i % 2:
            pdf.rect(pdf.l_margin, y, pdf.epw, ROW_HEIGHT, style="F")
        x = pdf.l_margin
        # pdf.text is several times faster than pdf.cell: long tables stay quick
        for name, value, width, align, fits in zip(columns, values, widths, aligns, safe, strict=True):
            text = pdf.text_of(format_value(name, value))
            if len(text) > fits:
                text = _fit(pdf, text, width - 2 * pad)
            if align == "R":
                pdf.text(x + width - pad - pdf.get_string_width(text), y + baseline, text)
            else:
                pdf.text(x + pad, y + baseline, text)
            x += width
        pdf.set_y(y + ROW_HEIGHT)
        if progress and i % 2000 == 0:
            progress(share[0] + share[1] * i / total, f"PDF table row {i} of {total}")


def _definitions(pdf: _Pdf, keys: list[str]) -> None:
    shown = [k for k in dict.fromkeys(keys) if k in METRIC_DEFINITIONS]
    if not shown:
        return
    pdf.heading("What these numbers mean", 11)
    pdf.set_font(pdf.family, "", 8.5)
    for key in shown:
        pdf.multi_cell(0, 4.4, pdf.text_of(METRIC_DEFINITIONS[key]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def write_pdf(report: Report, out: IO[bytes], progress: Progress | None = None) -> None:
    """Render `report` as a PDF into `out`."""
    pdf = _Pdf(report, landscape=len(report.frame.columns) > 7)
    pdf.add_page()
    _title_block(pdf, report)
    _tiles(pdf, report.kpis)
    _charts(pdf, report, progress)
    pdf.heading("Month by month" if report.name == "impact" else report.title)
    pdf.note(f"{report.spec.description} {len(report.frame):,} rows.")
    _table(pdf, report.frame, progress)
    for name, extra in report.extra_frames.items():
        if name == "category_months":
            continue  # drawn as the heatmap; the numbers are in the spreadsheet export
        pdf.heading(EXTRA_HEADINGS.get(name, name.replace("_", " ").capitalize()))
        _table(pdf, extra)
    _definitions(pdf, [*report.kpis, *report.frame.columns])
    out.write(bytes(pdf.output()))
