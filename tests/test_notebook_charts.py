"""A cell's chart: every chart type draws the cell's columns; a wrong column is named plainly."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from toolshare_core.charts import category_colour
from toolshare_core.errors import ValidationFailed
from toolshare_core.notebook import CHART_TYPES
from toolshare_core.notebook_charts import CHART_MAX_ROWS, cell_figure

FRAME = pd.DataFrame({
    "month": ["2025-01", "2025-01", "2025-02", "2025-02"],
    "category": ["Drills", "Ladders", "Drills", "Ladders"],
    "utilisation": [0.5, 0.25, 0.75, 0.0],
    "loans": [Decimal("4"), Decimal("2"), Decimal("6"), Decimal("1")],  # PostgreSQL numeric
})


@pytest.mark.parametrize("chart_type", CHART_TYPES)
def test_every_chart_type_draws_the_cells_values(chart_type: str) -> None:
    figure, note = cell_figure(FRAME, chart_type=chart_type, x="month", y="category"
                               if chart_type == "heatmap" else "loans",
                               color="utilisation" if chart_type == "heatmap" else None,
                               title="My chart")
    assert note is None
    assert figure.layout.title.text == "My chart"
    trace = figure.data[0]
    if chart_type == "heatmap":
        assert trace.z.tolist() == [[0.5, 0.75], [0.25, 0.0]]
    elif chart_type == "pie":
        assert sorted(trace.values.tolist()) == [1.0, 2.0, 4.0, 6.0]
    else:
        assert sum(len(t.y) for t in figure.data) == 4
        assert all(isinstance(v, float) for t in figure.data for v in t.y)


def test_a_category_colour_is_the_same_as_on_every_other_chart() -> None:
    figure, _ = cell_figure(FRAME, chart_type="bar", x="month", y="loans", color="category")
    colours = {t.name: t.marker.color for t in figure.data}
    assert colours == {"Drills": category_colour("Drills"), "Ladders": category_colour("Ladders")}


def test_a_ratio_axis_reads_as_a_percentage() -> None:
    figure, _ = cell_figure(FRAME, chart_type="line", x="month", y="utilisation")
    assert figure.layout.yaxis.tickformat == ".0%"


def test_a_chart_naming_a_column_the_query_does_not_return_says_which() -> None:
    with pytest.raises(ValidationFailed) as refused:
        cell_figure(FRAME, chart_type="bar", x="month", y="loans_started")
    assert str(refused.value) == (
        "the chart needs the column(s) loans_started, but the query returns: month, category, "
        "utilisation, loans; edit the cell's chart settings"
    )


def test_a_very_long_result_is_drawn_in_part_and_says_so() -> None:
    frame = pd.DataFrame({"n": range(CHART_MAX_ROWS + 10), "v": range(CHART_MAX_ROWS + 10)})
    figure, note = cell_figure(frame, chart_type="scatter", x="n", y="v")
    assert len(figure.data[0].x) == CHART_MAX_ROWS
    assert note == f"the chart draws the first {CHART_MAX_ROWS:,} of {CHART_MAX_ROWS + 10:,} rows"
