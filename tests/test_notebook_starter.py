"""The starter notebook's queries give the same numbers as the core reports.

A small synthetic library is seeded once for the module; each starter cell is run through the
notebook (read-only, as the reader role, parameters bound) and compared with the report or
metric the dashboard shows for the same period and filters.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tests.conftest import Database, drop_schema, new_schema
from toolshare_core import metrics, notebook
from toolshare_core.db import make_engine
from toolshare_core.filters import Filters
from toolshare_core.notebook_run import CellResult, notebook_parameters, run_cell
from toolshare_core.notebook_starter import (
    STARTER_CELLS,
    STARTER_NAME,
    create_starter_notebook,
    ensure_starter_notebook,
)
from toolshare_core.periods import Period
from toolshare_core.reports import run_report
from toolshare_core.seed import parse_scale, seed_database

TODAY = date(2025, 6, 15)
CELLS = {cell.key: cell for cell in STARTER_CELLS}


@pytest.fixture(scope="module")
def seeded(server_url: str) -> Iterator[Engine]:
    db: Database = new_schema(server_url)
    engine = make_engine(db.url, schema=db.schema)
    try:
        seed_database(engine, schema=db.schema, scale=parse_scale("small"), seed=11, today=TODAY)
        yield engine
    finally:
        engine.dispose()
        drop_schema(server_url, db.schema)


@pytest.fixture
def lib(seeded: Engine) -> Iterator[Connection]:
    with seeded.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


AS_OF = datetime(2025, 6, 10, 18, 30, tzinfo=UTC)
PERIODS = {
    "this year so far": Period(start=date(2025, 1, 1), end=date(2026, 1, 1), as_of=AS_OF),
    "last year": Period(start=date(2024, 1, 1), end=date(2025, 1, 1), as_of=AS_OF),
}


def a_category(conn: Connection) -> Filters:
    """The top-level category with the most items (its sub-categories included)."""
    top = conn.execute(sa.text(
        "select c.top_id from item_catalogue i join category_paths c using (category_id) "
        "group by 1 order by count(*) desc, 1 limit 1")).scalar_one()
    return Filters(category_id=int(top))


def run(conn: Connection, key: str, period: Period, filters: Filters | None) -> pd.DataFrame:
    result: CellResult = run_cell(conn, CELLS[key].body,
                                  params=notebook_parameters(period, filters),
                                  display_rows=100_000)
    return result.full_frame


@pytest.fixture(params=["no filter", "one category"])
def filters(request: pytest.FixtureRequest, lib: Connection) -> Filters | None:
    return None if request.param == "no filter" else a_category(lib)


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_starter_utilisation_by_category_equals_the_utilisation_report(
    lib: Connection, period: Period, filters: Filters | None
) -> None:
    mine = run(lib, "utilisation", period, filters)
    core = metrics.utilisation(lib, period=period, by="category", filters=filters)
    assert len(core) > 0
    columns = ["category", "items", "circulation_days", "loan_days", "loans_started"]
    assert mine[columns].astype(str).values.tolist() == core[columns].astype(str).values.tolist()
    assert mine["utilisation"].astype(float).tolist() == pytest.approx(
        core["utilisation"].astype(float).tolist(), rel=1e-12, nan_ok=True)


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_starter_headline_equals_the_summary_numbers(
    lib: Connection, period: Period, filters: Filters | None
) -> None:
    row = run(lib, "headline", period, filters).iloc[0]
    core = metrics.kpis(lib, period=period, filters=filters)
    assert core["loans_started"]
    for key in ("loans_started", "active_borrowers", "items_in_circulation"):
        assert int(row[key]) == core[key], key
    assert float(row["value_lent"]) == pytest.approx(core["value_lent"], abs=0.005)
    assert float(row["utilisation"]) == pytest.approx(core["utilisation"], rel=1e-12)


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_starter_loans_per_month_equal_the_trend_report(
    lib: Connection, period: Period, filters: Filters | None
) -> None:
    mine = run(lib, "loans_per_month", period, filters)
    trend = metrics.monthly_trend(lib, period=period, filters=filters)
    trend = trend[trend["loans_started"] > 0]
    assert len(trend) > 0
    assert [str(m)[:10] for m in mine["month"]] == [str(m)[:10] for m in trend["month"]]
    assert mine["loans_started"].tolist() == trend["loans_started"].tolist()
    assert mine["active_borrowers"].tolist() == trend["active_borrowers"].tolist()


@pytest.mark.parametrize("as_of", [AS_OF, AS_OF - timedelta(days=200)], ids=["now", "earlier"])
def test_the_starter_overdue_buckets_equal_the_overdue_report(
    lib: Connection, as_of: datetime, filters: Filters | None
) -> None:
    period = Period(start=date(2024, 1, 1), end=date(2026, 1, 1), as_of=as_of)
    mine = run(lib, "overdue", period, filters)
    core = metrics.overdue(lib, as_of=as_of, filters=filters)
    assert len(core) > 0 or filters is not None  # the small library: one category may have none
    expected = core.groupby("bucket").agg(loans=("item_code", "size"),
                                         value=("replacement_value", "sum"))
    assert dict(zip(mine["bucket"], mine["loans"], strict=True)) == expected["loans"].to_dict()
    for bucket, value in zip(mine["bucket"], mine["value_at_risk"], strict=True):
        assert float(value) == pytest.approx(expected.loc[bucket, "value"], abs=0.005)


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_starter_top_items_equal_the_top_items_report(
    lib: Connection, period: Period, filters: Filters | None
) -> None:
    mine = run(lib, "top_items", period, filters)
    report = run_report(lib, "top_items", period=period, filters=filters).frame.head(10)
    assert len(report) > 0
    columns = ["item_code", "item_name", "category", "loans_started", "loan_days"]
    assert mine[columns].values.tolist() == report[columns].values.tolist()


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_the_starter_postcode_reach_equals_the_impact_report(
    lib: Connection, period: Period, filters: Filters | None
) -> None:
    mine = run(lib, "postcode_reach", period, filters)
    reach = run_report(lib, "impact", period=period, filters=filters).extra_frames["postcode_reach"]
    assert len(reach) > 0
    columns = ["postcode_area", "active_borrowers", "loans_started"]
    assert mine[columns].values.tolist() == reach[columns].values.tolist()


def test_the_starter_heatmap_cell_gives_one_ratio_per_category_and_month(lib: Connection) -> None:
    period = PERIODS["this year so far"]
    mine = run(lib, "category_months", period, None)
    assert mine.columns.tolist() == ["month", "category", "utilisation"]
    assert len(mine) > 0
    assert mine["utilisation"].between(0, 1).all()
    assert str(mine["month"].max())[:7] == "2025-06"  # months after as_of are not counted


def test_the_starter_notebook_is_created_once_with_every_cell_and_chart(lib: Connection) -> None:
    assert notebook.list_notebooks(lib).empty
    notebook_id = ensure_starter_notebook(lib)
    assert notebook_id is not None
    assert ensure_starter_notebook(lib) is None
    assert notebook.list_notebooks(lib)["name"].tolist() == [STARTER_NAME]
    cells = notebook.notebook_cells(lib, notebook_id)
    assert [c.body for c in cells] == [c.body for c in STARTER_CELLS]
    assert [c.position for c in cells] == list(range(len(STARTER_CELLS)))
    charts = [c.chart_type for c in cells if c.chart_type]
    assert {"bar", "line", "heatmap"} <= set(charts)
    audited = lib.execute(sa.text(
        "select count(*) from audit_log where table_name in ('notebooks', 'notebook_cells')"
    )).scalar_one()
    assert audited == 1 + len(STARTER_CELLS)


def test_every_starter_cell_runs_on_an_empty_library(conn: Connection) -> None:
    notebook_id = create_starter_notebook(conn, name="Starter (empty library)")
    period = PERIODS["this year so far"]
    for cell in notebook.notebook_cells(conn, notebook_id):
        if cell.kind == "sql":
            run_cell(conn, cell.body, params=notebook_parameters(period, None))


def test_two_first_visits_at_once_create_one_starter_notebook(fresh_engine: Engine) -> None:
    import threading

    barrier = threading.Barrier(2)
    created: list[int | None] = []
    errors: list[BaseException] = []

    def first_visit() -> None:
        try:
            with fresh_engine.begin() as conn:
                barrier.wait(timeout=10)
                created.append(ensure_starter_notebook(conn))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=first_visit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(created, key=lambda v: v is None)[1] is None
    with fresh_engine.connect() as conn:
        assert notebook.list_notebooks(conn)["name"].tolist() == [STARTER_NAME]
