"""`python -m toolshare_core report ...`: the cron path, and one clear line for bad input."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import Database
from tests.factories import make_category, make_item, make_loan
from toolshare_core import cli
from toolshare_core.periods import Period
from toolshare_core.reports import run_report

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "toolshare_core", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_cron_job_writes_the_same_utilisation_report_the_core_builds(
    fresh_database: Database, fresh_engine: Engine, tmp_path: Path
) -> None:
    with fresh_engine.begin() as conn:
        tools = make_category(conn, name="Tools")
        for day in (1, 3):
            item = make_item(conn, category_id=tools)
            make_loan(conn, item_id=item, loaned_at=datetime(2024, 3, day, 10, tzinfo=ZoneInfo("UTC")),
                      returned_at=datetime(2024, 3, day + 4, 10, tzinfo=ZoneInfo("UTC")))
    out = tmp_path / "utilisation.csv"
    result = run(["report", "utilisation", "--from", "2024-03-01", "--to", "2024-04-01",
                  "--as-of", "2024-04-10", "--by", "category", "--format", "csv", "--out", str(out),
                  "--quiet"], fresh_database.env())
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    # Tools: 2 items x 31 days, lent 4 + 4 days
    assert rows == [["category", "circulation_days", "loan_days", "utilisation", "loans_started"],
                    ["Tools", "62", "8", rows[1][3], "2"]]
    assert float(rows[1][3]) == pytest.approx(8 / 62)
    period = Period(date(2024, 3, 1), date(2024, 4, 1),
                    as_of=datetime(2024, 4, 10, 23, 59, 59, tzinfo=ZoneInfo("UTC")))
    with fresh_engine.connect() as conn:
        frame = run_report(conn, "utilisation", period=period, by="category").frame
    assert frame.values.tolist()[0][:3] == ["Tools", 62, 8]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "usage"], "unknown report 'usage'; choose one of summary, utilisation"),
        (["report", "summary", "--from", "2024-04-01", "--to", "2024-03-01"], "--to (2024-03-01) must be after --from"),
        (["report", "summary", "--from", "2024-02-30", "--to", "2024-03-01"], "--from '2024-02-30' is not a date"),
        (["report", "summary", "--from", "2024-03-01", "--to", "soon"], "--to 'soon' is not a date"),
        (["report", "utilisation", "--by", "member"], "choose one of item, category, location"),
        (["report", "summary", "--as-of", "yesterday"], "--as-of 'yesterday' is not a timestamp"),
        (["report", "summary", "--format", "docx"], "--format 'docx' is not known"),
        (["report", "summary", "--out", "/no/such/folder/x.csv"], "the folder /no/such/folder does not exist"),
    ],
)
def test_bad_input_gets_one_clear_line_exit_2_and_no_file(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")  # never reached
    defaults = {"--from": "2024-03-01", "--to": "2024-04-01", "--format": "csv", "--out": str(tmp_path / "r.csv")}
    for option, value in defaults.items():
        if option not in args:
            args = [*args, option, value]
    code = cli.main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and message in err
    assert list(tmp_path.iterdir()) == []


def test_the_report_help_names_every_report(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "impact" in text and "--to is exclusive" in text
