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
