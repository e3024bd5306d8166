"""A notebook cell's chart: a plotly figure from the cell's result and its chart settings.

The columns are the person's choice, so each is checked against the result's columns first.
Category-like colour columns use the same colours as every other chart (charts.category_colour).
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from toolshare_core.charts import category_colour_map
from toolshare_core.errors import ValidationFailed

CHART_MAX_ROWS = 5_000
RATIO_COLUMNS = {"utilisation", "on_time_rate", "all_out_share", "share", "rate"}


def cell_figure(
    frame: pd.DataFrame, *, chart_type: str, x: str | None, y: str | None,
    color: str | None = None, title: str | None = None,
) -> tuple[go.Figure, str | None]:
    """(figure, note or None). The note says when only the first CHART_MAX_ROWS rows are drawn."""
    needed = [c for c in (x, y, color) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing or not x or not y:
        have = ", ".join(map(str, frame.columns)) or "no columns"
        raise ValidationFailed(
            f"the chart needs the column(s) {', '.join(missing or ['x and y'])}, but the query "
            f"returns: {have}; edit the cell's chart settings"
        )
    note = None
    if len(frame) > CHART_MAX_ROWS:
        note = f"the chart draws the first {CHART_MAX_ROWS:,} of {len(frame):,} rows"
        frame = frame.head(CHART_MAX_ROWS)
    frame = _plain_numbers(frame, needed)
    label = title or f"{y} by {x}"
    fig = _figure(frame, chart_type, x, y, color, label)
    fig.update_layout(template="plotly_white", title={"text": label, "x": 0.0},
                      margin={"l": 60, "r": 20, "t": 60, "b": 50},
                      xaxis_title=_axis(x), yaxis_title=_axis(y))
    if chart_type not in ("pie", "heatmap") and y in RATIO_COLUMNS:
        fig.update_yaxes(tickformat=".0%")
    return fig, note


def _figure(frame: pd.DataFrame, chart_type: str, x: str, y: str, color: str | None,
            title: str) -> go.Figure:
    colours = _colours(frame, color)
    if chart_type == "bar":
        return px.bar(frame, x=x, y=y, color=color, color_discrete_map=colours, title=title)
    if chart_type == "line":
        return px.line(frame, x=x, y=y, color=color, color_discrete_map=colours, markers=True,
                       title=title)
    if chart_type == "area":
        return px.area(frame, x=x, y=y, color=color, color_discrete_map=colours, title=title)
    if chart_type == "scatter":
        return px.scatter(frame, x=x, y=y, color=color, color_discrete_map=colours, title=title)
    if chart_type == "pie":
        return px.pie(frame, names=x, values=y, color=x, color_discrete_map=_colours(frame, x),
                      title=title)
    if chart_type == "heatmap":
        if not color:
            raise ValidationFailed("a heatmap needs a colour (value) column besides x and y")
        grid = frame.pivot_table(index=y, columns=x, values=color, aggfunc="sum")
        ratio = color in RATIO_COLUMNS
        return go.Figure(go.Heatmap(
            z=grid.values, x=[str(c) for c in grid.columns], y=[str(i) for i in grid.index],
            colorscale="Blues",
            colorbar={"title": {"text": _axis(color)}, "tickformat": ".0%" if ratio else ""},
            hovertemplate=f"{x}: %{{x}}<br>{y}: %{{y}}<br>{color}: "
                          f"%{{z{':.1%' if ratio else ''}}}<extra></extra>",
        ))
    raise ValidationFailed(f"unknown chart type {chart_type!r}")


def _plain_numbers(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """PostgreSQL numeric arrives as Decimal objects; plotly needs floats to draw them."""
    frame = frame.copy()
    for column in columns:
        values = frame[column]
        if values.dtype == object and values.map(lambda v: isinstance(v, Decimal)).any():
            frame[column] = pd.to_numeric(values, errors="coerce")
    return frame


def _colours(frame: pd.DataFrame, column: str | None) -> dict[str, str] | None:
    if not column or column not in frame.columns:
        return None
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values) or values.nunique() > 50:
        return None
    return category_colour_map(str(v) for v in values.dropna().unique())


def _axis(column: str) -> str:
    text = column.replace("_", " ")
    return f"{text} (%)" if column in RATIO_COLUMNS else text
