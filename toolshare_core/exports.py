"""Exports of reports: CSV (spec/METRICS.md), XLSX (xlsxwriter, constant memory) and PDF.

Every export is made from the report's one DataFrame. Text cells that a spreadsheet would
run as a formula (starting with = + - @, tab or carriage return) arrive as inert text:
prefixed with a quote in CSV, written as strings in XLSX. Real numbers stay numbers.
Files are written to a temporary file beside the target and renamed, so an error never
leaves a partial file behind.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd
import xlsxwriter

from toolshare_core.errors import ValidationFailed
from toolshare_core.reports import Report

Format = Literal["csv", "xlsx", "pdf"]
FORMATS = ("csv", "xlsx", "pdf")
Progress = Callable[[float, str], None]
XLSX_CHUNK_ROWS = 20_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RATIO_COLUMNS = frozenset(
    {"utilisation", "turnover", "on_time_rate", "all_out_share", "cost_vs_value", "share"}
)
MONEY_COLUMNS = frozenset(
    {"replacement_value", "value_lent", "cost", "value_idle", "value_at_risk"}
)


def neutralise(text: str) -> str:
    """Make a text cell inert in a spreadsheet: a leading quote when it starts like a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def format_number(value: float) -> str:
    """A plain number: no exponent, no thousands separator, '.' as the decimal point, full
    precision (so ratios keep far more than 4 significant decimals)."""
    if float(value).is_integer():
        return str(int(value))
    return str(np.format_float_positional(value, trim="-"))


def _csv_text(value: Any) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else format_number(float(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    if pd.isna(value):
        return ""
    return neutralise(str(value))


def _csv_column(series: pd.Series) -> list[str]:
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return ["true" if v else "false" for v in series]
    if pd.api.types.is_integer_dtype(series) and not series.hasnans:
        return [str(v) for v in series.astype("int64")]
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return ["" if pd.isna(v) else v.isoformat() for v in series]
    return [_csv_text(v) for v in series.astype(object)]


def _rows(frame: pd.DataFrame) -> Iterator[tuple[str, ...]]:
    columns = [_csv_column(frame[c]) for c in frame.columns]
    return zip(*columns, strict=True) if columns else iter(())


def write_csv(frame: pd.DataFrame, out: IO[str]) -> None:
    """The CSV of spec/METRICS.md: header row of column names, then one line per row."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    writer.writerows(_rows(frame))


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Any DataFrame as CSV bytes (UTF-8), with the same formatting and neutralising."""
    buffer = io.StringIO()
    write_csv(frame, buffer)
    return buffer.getvalue().encode("utf-8")


# ---------------------------------------------------------------- XLSX


def _header_lines(report: Report) -> list[tuple[str, str]]:
    return [
        ("Report", f"{report.title} ({report.name})"),
        ("Period", report.period.label()),
        ("As of", report.period.as_of.isoformat(timespec="seconds")),
        ("Filters", report.filters_text),
        ("Exported at", report.generated_at.isoformat(timespec="seconds")),
    ]


class _Sheet:
    """Writes one frame into an xlsxwriter worksheet, typed cell by cell."""

    def __init__(self, book: Any) -> None:
        self.bold = book.add_format({"bold": True})
        self.head = book.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.ratio = book.add_format({"num_format": "0.0000"})
        self.money = book.add_format({"num_format": "#,##0.00"})

    def write(self, sheet: Any, frame: pd.DataFrame, header: list[tuple[str, str]],
              progress: Progress | None = None, share: tuple[float, float] = (0.0, 1.0)) -> None:
        for row, (label, text) in enumerate(header):
            sheet.write_string(row, 0, label, self.bold)
            sheet.write_string(row, 1, text)
        top = len(header) + 1 if header else 0
        for col, name in enumerate(frame.columns):
            sheet.set_column(col, col, _width(frame, name))
            sheet.write_string(top, col, str(name), self.head)
        sheet.freeze_panes(top + 1, 0)
        writers = [self._column_writer(sheet, frame[c], self._number_format(str(c))) for c in frame.columns]
        total = max(1, len(frame))
        for start in range(0, len(frame), XLSX_CHUNK_ROWS):  # Python values for one chunk at a time
            chunk = frame.iloc[start:start + XLSX_CHUNK_ROWS]
            columns = [_cells(chunk[c]) for c in chunk.columns]
            for i in range(len(chunk)):
                row = top + 1 + start + i
                for col, (write, values) in enumerate(zip(writers, columns, strict=True)):
                    value = values[i]
                    if value is not None:
                        write(row, col, value)
            if progress:
                progress(share[0] + share[1] * start / total, f"spreadsheet row {start} of {total}")

    def _column_writer(self, sheet: Any, series: pd.Series, number_format: Any) -> Callable[[int, int, Any], Any]:
        """The cheapest correct writer for a column, chosen once from its dtype."""
        if pd.api.types.is_bool_dtype(series):
            return sheet.write_boolean  # type: ignore[no-any-return]
        if pd.api.types.is_numeric_dtype(series):
            return lambda r, c, v: sheet.write_number(r, c, v, number_format)
        if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
            return lambda r, c, v: sheet.write_datetime(r, c, v, self.datetime)
        if pd.api.types.is_string_dtype(series) and series.map(lambda v: isinstance(v, str) or v is None or v is pd.NA or v != v).all():
            return sheet.write_string  # type: ignore[no-any-return]
        return lambda r, c, v: self._cell(sheet, r, c, v, number_format)

    def _number_format(self, name: str) -> Any:
        if name in RATIO_COLUMNS:
            return self.ratio
        if name in MONEY_COLUMNS:
            return self.money
        return None

    def _cell(self, sheet: Any, row: int, col: int, value: Any, number_format: Any) -> None:
        if value is None or value is pd.NaT:
            return
        if isinstance(value, bool | np.bool_):
            sheet.write_boolean(row, col, bool(value))
        elif isinstance(value, int | float | np.integer | np.floating):
            if not np.isnan(value):
                sheet.write_number(row, col, float(value) if isinstance(value, float | np.floating) else int(value), number_format)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), self.datetime)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), self.date)
        elif isinstance(value, str):
            sheet.write_string(row, col, value)
        elif not pd.isna(value):
            sheet.write_string(row, col, str(value))


def _cells(series: pd.Series) -> list[Any]:
    """A column as Python values, missing ones as None (datetimes naive in local wall time)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    values = series.astype(object).tolist()
    return [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v
            for v in values]


def _width(frame: pd.DataFrame, name: str) -> float:
    sample = [str(value) for value in frame[name].head(200)]
    longest = max([len(str(name)), *(len(s) for s in sample)])
    return float(min(60, max(8, longest + 2)))


def _xlsx(target: str | IO[bytes], sheets: list[tuple[str, pd.DataFrame, list[tuple[str, str]]]],
          progress: Progress | None = None) -> None:
    book = xlsxwriter.Workbook(target, {
        "constant_memory": True, "remove_timezone": True, "strings_to_formulas": False,
        "strings_to_urls": False, "strings_to_numbers": False, "in_memory": False,
    })
    writer = _Sheet(book)
    for index, (name, frame, header) in enumerate(sheets):
        sheet = book.add_worksheet(name[:31])
        share = (index / len(sheets), 1 / len(sheets))
        writer.write(sheet, frame, header, progress, share)
    book.close()


def frame_to_xlsx_bytes(frame: pd.DataFrame, title: str) -> bytes:
    """Any DataFrame as an .xlsx workbook (one sheet with a one-line title header)."""
    buffer = io.BytesIO()
    _xlsx(buffer, [("data", frame, [("Title", title)])])
    return buffer.getvalue()


def _report_sheets(report: Report) -> list[tuple[str, pd.DataFrame, list[tuple[str, str]]]]:
    sheets = [(report.name, report.frame, _header_lines(report))]
    for name, extra in report.extra_frames.items():
        sheets.append((name, extra, [("Report", f"{report.title}: {name.replace('_', ' ')}")]))
    if report.kpis:
        kpi_frame = pd.DataFrame({"metric": list(report.kpis),
                                  "value": pd.Series(list(report.kpis.values()), dtype=object)})
        sheets.append(("key figures", kpi_frame, [("Report", f"{report.title}: key figures")]))
    return sheets


# ---------------------------------------------------------------- writing


def _write(report: Report, fmt: str, out: IO[bytes], progress: Progress | None) -> None:
    if fmt == "csv":
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        write_csv(report.frame, text)
        text.flush()
        text.detach()
    elif fmt == "xlsx":
        _xlsx(out, _report_sheets(report), progress)
    else:
        from toolshare_core.pdf_report import write_pdf

        write_pdf(report, out, progress)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationFailed(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def report_bytes(report: Report, fmt: str) -> bytes:
    """The export as bytes (for download buttons)."""
    _check_format(fmt)
    buffer = io.BytesIO()
    _write(report, fmt, buffer, None)
    return buffer.getvalue()


def write_report(report: Report, fmt: str, path: Path, progress: Progress | None = None) -> Path:
    """Write `report` as `fmt` to `path`: first to a temporary file in the same folder, then
    renamed, so a failure never leaves a partial file. An unwritable place -> ValidationFailed."""
    _check_format(fmt)
    path = Path(path)
    if path.is_dir():
        raise ValidationFailed(f"--out {path} is a folder; give a file name such as {path / ('report.' + fmt)}")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ValidationFailed(
            f"cannot write to {path.parent} ({exc.strerror}); choose a folder that exists and that you can write to"
        ) from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            _write(report, fmt, out, progress)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if progress:
        progress(1.0, f"wrote {path}")
    return path
