"""Exports: the files hold exactly the report's rows, formulas arrive as inert text,
numbers stay numbers, and no partial file is ever left behind (issue 3)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Connection

from tests.factories import make_category, make_item, make_loan, make_member
from toolshare_core import exports, pdf_report
from toolshare_core.errors import ValidationFailed
from toolshare_core.periods import Period
from toolshare_core.reports import Report, run_report

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd"]
MARCH = Period(date(2024, 3, 1), date(2024, 4, 1),
               as_of=datetime(2024, 4, 10, 12, tzinfo=ZoneInfo("UTC")))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def hostile(conn: Connection) -> Report:
    """Items named like formulas, each lent once for (index + 1) days in March."""
    tools = make_category(conn, name="Tools")
    member = make_member(conn, name="=cmd|' /C calc'!A0")
    for i, name in enumerate(HOSTILE):
        item = make_item(conn, code=f"H-{i}", name=name, category_id=tools, replacement_value=10 * i + 0.5)
        make_loan(conn, item_id=item, member_id=member, loaned_at=at(f"2024-03-0{i + 1}T10:00"),
                  returned_at=at(f"2024-03-0{i + 1}T10:00").replace(day=i + 2))
    return run_report(conn, "utilisation", period=MARCH, by="item")


@pytest.fixture
def no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """PDF tests that are about tables skip the (slow) browser."""
    def refuse(figures: list[go.Figure], width: int = 1000) -> list[bytes]:
        raise pdf_report.ChartRenderError("browser switched off for this test")
    monkeypatch.setattr(pdf_report, "render_chart_images", refuse)


def test_csv_holds_exactly_the_reports_rows_with_formulas_made_inert(hostile: Report, tmp_path: Path) -> None:
    path = exports.write_report(hostile, "csv", tmp_path / "utilisation.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["item_code", "item_name", "circulation_days", "loan_days", "utilisation", "loans_started"]
    assert len(rows) - 1 == len(hostile.frame) == len(HOSTILE)
    names = [row[1] for row in rows[1:]]
    assert names == ["'" + name for name in HOSTILE]  # every one starts like a formula
    for row, frame_row in zip(rows[1:], hostile.frame.itertuples(index=False), strict=True):
        assert row[0] == frame_row.item_code
        assert int(row[2]) == frame_row.circulation_days and int(row[3]) == frame_row.loan_days
        assert float(row[4]) == pytest.approx(frame_row.utilisation, abs=1e-12)
        assert "," not in row[4] and "e" not in row[4].lower()


def test_csv_ratios_keep_at_least_four_significant_decimals(hostile: Report) -> None:
    """H-0 was out 1 day of 31: 0.032258..."""
    rows = list(csv.reader(io.StringIO(exports.report_bytes(hostile, "csv").decode("utf-8"))))
    ratio = rows[1][4]
    assert ratio.startswith("0.032258") and len(ratio.split(".")[1]) >= 6


def test_report_bytes_are_the_file_bytes(hostile: Report, tmp_path: Path) -> None:
    path = exports.write_report(hostile, "csv", tmp_path / "u.csv")
    assert path.read_bytes() == exports.report_bytes(hostile, "csv")


def test_xlsx_has_a_header_block_a_frozen_header_row_and_typed_cells(hostile: Report, tmp_path: Path) -> None:
    path = exports.write_report(hostile, "xlsx", tmp_path / "utilisation.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    labels = [sheet.cell(row=r, column=1).value for r in range(1, 6)]
    assert labels == ["Report", "Period", "As of", "Filters", "Exported at"]
    assert sheet.cell(row=2, column=2).value == MARCH.label()
    assert sheet.freeze_panes == "A8"
    header = [c.value for c in sheet[7]]
    assert header == list(hostile.frame.columns)
    body = list(sheet.iter_rows(min_row=8, values_only=True))
    assert len(body) == len(hostile.frame)
    for row, frame_row in zip(body, hostile.frame.itertuples(index=False), strict=True):
        assert row[1] == frame_row.item_name  # the exact text, stored as a string
        assert isinstance(row[2], int | float) and row[2] == frame_row.circulation_days
        assert isinstance(row[4], float) and row[4] == pytest.approx(frame_row.utilisation)
    for cell in sheet["B"][7:]:
        assert cell.data_type == "s"


def test_xlsx_writes_dates_and_times_as_spreadsheet_dates(conn: Connection, hostile: Report, tmp_path: Path) -> None:
    report = run_report(conn, "loan_history", period=MARCH)
    sheet = openpyxl.load_workbook(exports.write_report(report, "xlsx", tmp_path / "h.xlsx")).worksheets[0]
    loaned = sheet.cell(row=8, column=2).value
    assert isinstance(loaned, datetime) and loaned == datetime(2024, 3, 1, 10, 0)


def test_frame_helpers_neutralise_any_frame_for_the_notebook() -> None:
    frame = pd.DataFrame({"name": ["+1+1", "plain"], "n": [1.5, 2], "day": [date(2024, 1, 2), None]})
    text = exports.frame_to_csv_bytes(frame).decode()
    assert text.splitlines() == ["name,n,day", "'+1+1,1.5,2024-01-02", "plain,2,"]
    book = openpyxl.load_workbook(io.BytesIO(exports.frame_to_xlsx_bytes(frame, "cell 3")))
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert rows[:2] == [("name", "n", "day"), ("+1+1", 1.5, datetime(2024, 1, 2))]


def test_pdf_holds_title_period_and_every_row(hostile: Report, tmp_path: Path, no_charts: None) -> None:
    path = exports.write_report(hostile, "pdf", tmp_path / "u.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Utilisation by item" in text and MARCH.label() in text
    for code in hostile.frame["item_code"]:
        assert code in text
    assert "could not be drawn" in text  # the chart failure is said, the PDF still renders
    assert "page 1 of 1" in text


def test_a_long_pdf_table_repeats_its_header_on_every_page(tmp_path: Path, no_charts: None) -> None:
    frame = pd.DataFrame({"rank": range(1, 151), "item_code": [f"X-{i:04d}" for i in range(150)],
                          "item_name": "Thing", "category": "Tools", "loans_started": range(150, 0, -1),
                          "loan_days": 3, "utilisation": 0.5})
    report = Report("top_items", "Most borrowed items", MARCH, None, "all items", frame)
    reader = PdfReader(exports.write_report(report, "pdf", tmp_path / "long.pdf"))
    assert len(reader.pages) >= 3
    texts = [page.extract_text() for page in reader.pages]
    assert all("item code" in t for t in texts)
    assert all(f"page {i} of {len(texts)}" in t for i, t in enumerate(texts, start=1))
    assert "X-0149" in texts[-1]


def test_charts_render_to_png_with_the_system_browser() -> None:
    images = pdf_report.render_chart_images([go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))])
    assert len(images) == 1 and images[0].startswith(b"\x89PNG")


def test_the_impact_pdf_carries_its_charts(conn: Connection, hostile: Report, artifacts: Path) -> None:
    report = run_report(conn, "impact", period=MARCH)
    path = exports.write_report(report, "pdf", artifacts / "impact-report.pdf")
    reader = PdfReader(path)
    assert sum(len(page.images) for page in reader.pages) == 3  # value by month, categories, reach
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Impact report" in text and "What these numbers mean" in text


def test_an_unwritable_folder_is_refused_in_plain_words(hostile: Report, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ValidationFailed, match="cannot write to"):
        exports.write_report(hostile, "csv", blocker / "out.csv")
    with pytest.raises(ValidationFailed, match="is a folder"):
        exports.write_report(hostile, "csv", tmp_path)
    with pytest.raises(ValidationFailed, match="choose one of csv, xlsx, pdf"):
        exports.write_report(hostile, "docx", tmp_path / "x.docx")


def test_a_failure_half_way_leaves_no_file_behind(hostile: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.csv"
    target.write_text("yesterday's report")

    def fail(report: Report, fmt: str, out: io.BufferedWriter, progress: object) -> None:
        out.write(b"item_code,item_name\nhalf")
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_write", fail)
    with pytest.raises(OSError, match="disk full"):
        exports.write_report(hostile, "csv", target)
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    assert target.read_text() == "yesterday's report"  # the old file is untouched


def test_a_large_spreadsheet_is_written_chunk_by_chunk_with_every_row(
    hostile: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "XLSX_CHUNK_ROWS", 2)  # 5 rows -> chunks of 2, 2, 1
    sheet = openpyxl.load_workbook(exports.write_report(hostile, "xlsx", tmp_path / "c.xlsx")).worksheets[0]
    codes = [row[0] for row in sheet.iter_rows(min_row=8, values_only=True)]
    assert codes == hostile.frame["item_code"].tolist()
