"""Exports of reports: CSV (spec/METRICS.md), XLSX (xlsxwriter) and PDF (fpdf2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pandas as pd

from toolshare_core.reports import Report

Format = Literal["csv", "xlsx", "pdf"]
FORMATS = ("csv", "xlsx", "pdf")
Progress = Callable[[float, str], None]


def write_report(
    report: Report, fmt: str, path: Path, progress: Progress | None = None
) -> Path:
    """Write `report` as `fmt` to `path` atomically (temp file + rename)."""
    raise NotImplementedError


def report_bytes(report: Report, fmt: str) -> bytes:
    """The export as bytes (for download buttons)."""
    raise NotImplementedError


def frame_to_csv_bytes(frame: pd.DataFrame) -> bytes:
    raise NotImplementedError


def frame_to_xlsx_bytes(frame: pd.DataFrame, title: str) -> bytes:
    raise NotImplementedError
