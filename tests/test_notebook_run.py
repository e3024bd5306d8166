"""Running a cell: the time limit, the display cap against full downloads, bound parameters."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from tests.factories import make_category, make_item
from toolshare_core.errors import ValidationFailed
from toolshare_core.exports import frame_to_csv_bytes, frame_to_xlsx_bytes
from toolshare_core.filters import Filters
from toolshare_core.notebook_run import QueryCancelled, notebook_parameters, run_cell
from toolshare_core.notebook_sql import check_cell_sql
from toolshare_core.periods import Period


def test_a_slow_query_is_stopped_at_the_time_limit_and_says_so(conn: Connection) -> None:
    started = time.monotonic()
    with pytest.raises(QueryCancelled) as stopped:
        run_cell(conn, "select pg_sleep(10)", timeout_ms=500)
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"took {elapsed:.1f} s"
    assert "stopped after 0.5 s" in str(stopped.value)
    assert "time limit" in str(stopped.value)
    # the caller's connection is still usable
    assert conn.execute(sa.text("select 1")).scalar_one() == 1


def test_the_time_limit_covers_the_whole_cell_not_each_batch_of_rows(conn: Connection) -> None:
    # about 0.4 s per batch of 2,000 rows, about 2 s in all: every batch alone is within 1 s
    started = time.monotonic()
    with pytest.raises(QueryCancelled, match="stopped after 1 s"):
        run_cell(conn, "select g, pg_sleep(0.0002) from generate_series(1, 10000) g",
                 timeout_ms=1000)
    assert time.monotonic() - started < 5


def test_the_default_time_limit_comes_from_the_settings(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOOLSHARE_NOTEBOOK_TIMEOUT_MS", "300")
    from toolshare_core.config import get_settings

    get_settings.cache_clear()
    with pytest.raises(QueryCancelled, match="0.3 s"):
        run_cell(conn, "select pg_sleep(5)")


def test_a_long_result_shows_the_first_rows_while_downloads_carry_every_row(
    conn: Connection,
) -> None:
    result = run_cell(conn, "select g as n, g * 2 as twice from generate_series(1, 2500) g",
                      display_rows=1000)
    assert result.truncated
    assert result.total_rows == 2500
    assert len(result.frame_display) == 1000
    assert result.frame_display["n"].tolist() == list(range(1, 1001))
    assert len(result.full_frame) == 2500
    assert result.message.startswith("showing the first 1,000 of 2,500 rows")
    rows = list(csv.reader(io.StringIO(frame_to_csv_bytes(result.full_frame).decode("utf-8"))))
    assert rows[0] == ["n", "twice"]
    assert len(rows) == 2501
    assert rows[-1] == ["2500", "5000"]
    sheet = openpyxl.load_workbook(io.BytesIO(frame_to_xlsx_bytes(result.full_frame, "cell"))).active
    numbers = [row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert numbers == list(range(1, 2501))


def test_a_short_result_is_shown_whole(conn: Connection) -> None:
    result = run_cell(conn, "select 1 as one", display_rows=1000)
    assert not result.truncated
    assert result.message == "1 row"
    assert result.elapsed_ms >= 0


def test_columns_with_the_same_name_stay_apart(conn: Connection) -> None:
    result = run_cell(conn, "select 1 as a, 2 as a")
    assert result.full_frame.columns.tolist() == ["a", "a_2"]


def test_an_empty_result_keeps_its_column_names(conn: Connection) -> None:
    result = run_cell(conn, "select code, name from items where false")
    assert result.full_frame.columns.tolist() == ["code", "name"]
    assert result.message == "0 rows"


def period() -> Period:
    return Period(start=date(2024, 1, 1), end=date(2024, 2, 1),
                  as_of=datetime(2024, 3, 1, 12, tzinfo=UTC))


def test_the_period_and_filters_reach_the_query_as_typed_values(conn: Connection) -> None:
    drills = make_category(conn, name="Drills")
    make_item(conn, code="D-1", category_id=drills)
    make_item(conn, code="D-2", category_id=drills)
    make_item(conn, code="X-1")
    params = notebook_parameters(period(), Filters(category_id=drills))
    result = run_cell(conn, """
        select :from + 1 as day_two, :to - :from as days, :as_of as as_of,
               (select count(*) from items where category_id = :category) as drills,
               :location is null as every_location
    """, params=params)
    row = result.full_frame.iloc[0]
    assert row["day_two"] == date(2024, 1, 2)
    assert row["days"] == 31
    assert row["as_of"] == datetime(2024, 3, 1, 12, tzinfo=UTC)
    assert row["drills"] == 2
    assert bool(row["every_location"])


def test_a_category_value_holding_sql_is_only_ever_a_value(conn: Connection) -> None:
    make_item(conn, code="KEEP-1")
    items_before = conn.execute(sa.text("select count(*) from items")).scalar_one()
    sneaky = "1 or 1=1; delete from items; --"
    # formatted into the SQL, this would match every item (and delete them); bound, it is a
    # value that is not a number, so PostgreSQL refuses it
    with pytest.raises(ValidationFailed, match="invalid input syntax for type bigint"):
        run_cell(conn, "select count(*) from items where category_id = :category",
                 params={"category": sneaky})
    assert conn.execute(sa.text("select count(*) from items")).scalar_one() == items_before
    checked = check_cell_sql("select * from items where category_id = :category")
    assert sneaky not in checked.sql
    assert "%(category)s" in checked.sql


def test_a_parameter_inside_a_string_or_comment_is_left_alone(conn: Connection) -> None:
    result = run_cell(conn, "select ':from' as text, 10 % 3 as rest -- :nothing here")
    assert result.full_frame.iloc[0].tolist() == [":from", 1]


def test_an_unknown_parameter_names_the_ones_available(conn: Connection) -> None:
    with pytest.raises(ValidationFailed) as refused:
        run_cell(conn, "select :since")
    assert str(refused.value) == (
        "unknown parameter :since; the notebook offers :from, :to, :as_of, :location, :category"
    )


def test_a_database_error_is_reported_in_one_plain_line(conn: Connection) -> None:
    with pytest.raises(ValidationFailed) as refused:
        run_cell(conn, "select no_such_column from items")
    assert str(refused.value) == (
        'the database could not run the query: column "no_such_column" does not exist'
    )
