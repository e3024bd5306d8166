"""Charts: made from report frames, titled, labelled, the same colour for a category everywhere."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Connection

from tests.factories import make_category, make_item, make_loan, make_maintenance, make_member
from toolshare_core import charts
from toolshare_core.periods import Period
from toolshare_core.reports import REPORTS, run_report

MARCH = Period(date(2024, 3, 1), date(2024, 4, 1), as_of=datetime(2024, 4, 10, tzinfo=ZoneInfo("UTC")))


def test_a_category_keeps_its_colour_in_every_chart() -> None:
    assert charts.category_colour("Garden / Mowers") == charts.category_colour("Garden / Mowers")
    assert charts.category_colour("Garden / Mowers") in charts.PALETTE
    assert len({charts.category_colour(f"Category {i}") for i in range(40)}) > 8  # spread out


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_reports_charts_have_a_title_and_axis_titles(conn: Connection, name: str) -> None:
    garden = make_category(conn, name="Garden")
    item = make_item(conn, category_id=garden)
    make_loan(conn, item_id=item, member_id=make_member(conn, postcode="AB1 2CD"),
              loaned_at=datetime(2024, 3, 2, 10, tzinfo=ZoneInfo("UTC")))
    make_maintenance(conn, item_id=make_item(conn, category_id=garden), started_on=date(2024, 3, 3),
                     ended_on=date(2024, 3, 5), cost=12)
    report = run_report(conn, name, period=MARCH, by="category" if name == "utilisation" else None)
    for fig in charts.report_figures(name, report.frame, report.by, report.extra_frames):
        assert fig.layout.title.text
        assert fig.layout.xaxis.title.text
        assert fig.data and all(trace.hovertemplate for trace in fig.data)


def test_the_top_items_chart_colours_bars_by_category(conn: Connection) -> None:
    garden, kitchen = make_category(conn, name="Garden"), make_category(conn, name="Kitchen")
    for category in (garden, kitchen):
        make_loan(conn, item_id=make_item(conn, category_id=category),
                  loaned_at=datetime(2024, 3, 2, 10, tzinfo=ZoneInfo("UTC")))
    frame = run_report(conn, "top_items", period=MARCH).frame
    fig = charts.top_items(frame)
    by_label = dict(zip(fig.data[0].y, fig.data[0].marker.color, strict=True))
    for row in frame.itertuples():
        assert by_label[f"{row.item_code} {row.item_name}"] == charts.category_colour(row.category)


def test_an_empty_period_draws_a_note_instead_of_bars() -> None:
    import pandas as pd

    fig = charts.top_items(pd.DataFrame(columns=list(REPORTS["top_items"].columns)))
    assert fig.layout.annotations[0].text == "No data for this period"


@pytest.mark.parametrize(("ratios", "step", "upper"), [
    ([0.2123, 0.3528, 0.31], 10, 40),   # highest 35.28 % -> ticks 0, 10, ..., 40 %
    ([0.05], 10, 10),
    ([0.64, 0.91], 20, 100),
])
def test_the_trend_charts_utilisation_axis_has_round_percentage_ticks(
    ratios: list[float], step: int, upper: int
) -> None:
    import pandas as pd

    frame = pd.DataFrame({
        "month": pd.date_range("2026-01-01", periods=len(ratios), freq="MS"),
        "loans_started": [10] * len(ratios), "active_borrowers": [5] * len(ratios),
        "utilisation": ratios,
    })
    axis = charts.trend_lines(frame).layout.yaxis2
    assert (axis.dtick, axis.tick0, tuple(axis.range)) == (step, 0, (0, upper))
