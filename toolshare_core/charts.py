"""Plotly figures made from report frames (no data fetching here), shared by dashboard and PDF.

Every figure has a title, axis titles with units and hover text; categories keep the same
colour everywhere (`category_colour`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

# Colour-blind-friendly qualitative palette (Okabe-Ito, then Tol's muted).
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
)
PRIMARY = "#0072B2"
SECONDARY = "#E69F00"
BUCKET_COLOURS = {"1-7": "#F0E442", "8-30": "#E69F00", "31-60": "#D55E00", "61+": "#882255"}
MAX_BARS = 25


def category_colour(category: str) -> str:
    """The colour of a category, the same in every chart, page and export (from its name)."""
    return PALETTE[zlib.crc32(category.encode("utf-8")) % len(PALETTE)]


def category_colour_map(categories: Iterable[str]) -> dict[str, str]:
    return {c: category_colour(c) for c in categories}


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, **extra: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        xaxis_title=x_title, yaxis_title=y_title, template="plotly_white",
        margin={"l": 60, "r": 20, "t": 60, "b": 50}, font={"size": 13},
        hoverlabel={"namelength": -1}, **extra,
    )
    return fig


def _empty(title: str, message: str = "No data for this period") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 16}, x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, "", "")


def _hbars(data: pd.DataFrame, *, x: str, labels: pd.Series, colours: Any, extra: list[str],
           hover: str, title: str, x_title: str, y_title: str = "") -> go.Figure:
    """Horizontal bars (first row of `data` at the bottom), hover text from `extra` columns."""
    fig = go.Figure(go.Bar(x=data[x], y=labels, orientation="h", marker_color=colours,
                           customdata=data[extra].to_numpy(), hovertemplate=hover + "<extra></extra>"))
    return _layout(fig, title, x_title, y_title, height=max(300, 28 * len(data) + 120))


def _by_category(data: pd.DataFrame) -> list[str]:
    return [category_colour(c) for c in data["category"]]


def utilisation_bars(frame: pd.DataFrame, by: str = "category") -> go.Figure:
    """Horizontal bars of utilisation (%) per group of a `utilisation` report frame; for
    items only the MAX_BARS busiest are drawn (the table holds every row)."""
    label = {"item": "item_name", "category": "category", "location": "location"}[by]
    data = frame.dropna(subset=["utilisation"])
    title = f"Utilisation by {by}"
    if data.empty:
        return _empty(title)
    if len(data) > MAX_BARS:
        data = data.nlargest(MAX_BARS, "utilisation")
        title += f" (the {MAX_BARS} highest of {len(frame)})"
    data = data.sort_values("utilisation")
    names = data[label].astype(str)
    if by == "item":
        names = data["item_code"].astype(str) + " " + names
    colours = [category_colour(c) for c in names] if by == "category" else PRIMARY
    fig = go.Figure(go.Bar(
        x=data["utilisation"] * 100, y=names, orientation="h", marker_color=colours,
        customdata=data[["loan_days", "circulation_days"]].to_numpy(),
        hovertemplate="%{y}<br>utilisation %{x:.1f} %<br>%{customdata[0]} loan days of "
        "%{customdata[1]} circulation days<extra></extra>",
    ))
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    return _layout(fig, title, "utilisation (% of circulation days on loan)", "",
                   height=max(320, 28 * len(data) + 120))


def trend_lines(frame: pd.DataFrame) -> go.Figure:
    """Loans started and active borrowers per month, utilisation (%) on a second axis."""
    title = "Month by month"
    if frame.empty:
        return _empty(title)
    months = pd.to_datetime(frame["month"])
    fig = go.Figure()
    fig.add_trace(go.Bar(x=months, y=frame["loans_started"], name="loans started",
                         marker_color=PRIMARY,
                         hovertemplate="%{x|%B %Y}: %{y} loans started<extra></extra>"))
    fig.add_trace(go.Scatter(x=months, y=frame["active_borrowers"], name="active borrowers",
                             mode="lines+markers", line={"color": SECONDARY, "width": 3},
                             hovertemplate="%{x|%B %Y}: %{y} active borrowers<extra></extra>"))
    if "utilisation" in frame:
        fig.add_trace(go.Scatter(x=months, y=frame["utilisation"] * 100, name="utilisation (%)",
                                 yaxis="y2", mode="lines+markers",
                                 line={"color": "#009E73", "dash": "dot"},
                                 hovertemplate="%{x|%B %Y}: utilisation %{y:.1f} %<extra></extra>"))
    fig.update_xaxes(tickformat="%b %Y", dtick="M1")
    return _layout(fig, title, "month", "loans / borrowers (count)",
                   yaxis2={"title": "utilisation (%)", "overlaying": "y", "side": "right",
                           "ticksuffix": " %", "showgrid": False,
                           **_percent_axis(frame.get("utilisation"))},
                   legend={"orientation": "h", "y": -0.2})


def _percent_axis(ratios: pd.Series | None) -> dict[str, Any]:
    """Round percentage ticks (every 10 or 20 %) from zero to just above the highest value."""
    top = float(ratios.max()) * 100 if ratios is not None and ratios.notna().any() else 0.0
    step = 10 if top <= 60 else 20
    upper = max(step, math.ceil(top / step) * step)
    return {"range": [0, upper], "tickmode": "linear", "tick0": 0, "dtick": step}


def category_month_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Utilisation (%) per category and month (from category_month_utilisation)."""
    title = "Utilisation by category and month"
    if frame.empty:
        return _empty(title)
    grid = frame.pivot_table(index="category", columns="month", values="utilisation",
                             aggfunc="first").sort_index(ascending=False)
    months = [pd.Timestamp(m).strftime("%b %Y") for m in grid.columns]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy() * 100, x=months, y=list(grid.index), colorscale="Blues", zmin=0,
        zmax=100, colorbar={"title": "%"},
        hovertemplate="%{y}<br>%{x}: utilisation %{z:.1f} %<extra></extra>",
    ))
    return _layout(fig, title, "month", "category", height=max(320, 26 * len(grid) + 140))


def overdue_by_bucket(frame: pd.DataFrame) -> go.Figure:
    """Number of overdue loans per aging bucket (1-7, 8-30, 31-60, 61+ days)."""
    counts = frame["bucket"].value_counts() if not frame.empty else pd.Series(dtype=int)
    buckets = list(BUCKET_COLOURS)
    values = [int(counts.get(b, 0)) for b in buckets]
    fig = go.Figure(go.Bar(x=buckets, y=values, marker_color=list(BUCKET_COLOURS.values()),
                           hovertemplate="%{x} days overdue: %{y} loans<extra></extra>"))
    fig.update_yaxes(tickformat="d", rangemode="tozero")
    return _layout(fig, "Overdue loans by days overdue", "days overdue", "loans (count)")


def top_items(frame: pd.DataFrame, n: int = 15) -> go.Figure:
    """The n most borrowed items of a `top_items` frame, coloured by category."""
    title = f"Most borrowed items (top {n})"
    if frame.empty:
        return _empty(title)
    data = frame.head(n).iloc[::-1]
    return _hbars(data, x="loans_started", labels=data["item_code"] + " " + data["item_name"],
                  colours=_by_category(data), extra=["category", "loan_days"], title=title,
                  hover="%{y}<br>%{customdata[0]}<br>%{x} loans, %{customdata[1]} loan days",
                  x_title="loans started (count)")


def postcode_reach(frame: pd.DataFrame, n: int = 20) -> go.Figure:
    """Active borrowers per postcode area (the n largest areas)."""
    title = "Where borrowers live (postcode areas)"
    data = frame[frame["active_borrowers"] > 0] if not frame.empty else frame
    if data.empty:
        return _empty(title)
    data = data.nlargest(n, "active_borrowers").iloc[::-1]
    return _hbars(data, x="active_borrowers", labels=data["postcode_area"], colours=SECONDARY,
                  extra=["loans_started"], title=title, x_title="active borrowers (count)",
                  y_title="postcode area", hover="%{y}: %{x} borrowers, %{customdata[0]} loans")


def value_lent_by_month(frame: pd.DataFrame) -> go.Figure:
    """Replacement value of what was lent, per month (impact frame)."""
    title = "Value lent per month"
    if frame.empty:
        return _empty(title)
    months = pd.to_datetime(frame["month"])
    fig = go.Figure(go.Bar(x=months, y=frame["value_lent"], marker_color="#009E73",
                           hovertemplate="%{x|%B %Y}: value lent %{y:,.2f}<extra></extra>"))
    fig.update_xaxes(tickformat="%b %Y", dtick="M1")
    return _layout(fig, title, "month", "replacement value of items lent (currency)")


def top_categories(frame: pd.DataFrame, n: int = 10) -> go.Figure:
    """Loans per (top-level) category."""
    title = "Loans by category"
    if frame.empty:
        return _empty(title)
    data = frame.head(n).iloc[::-1]
    return _hbars(data, x="loans_started", labels=data["category"], colours=_by_category(data),
                  extra=["active_borrowers", "value_lent"], title=title,
                  hover="%{y}: %{x} loans by %{customdata[0]} borrowers, value %{customdata[1]:,.2f}",
                  x_title="loans started (count)")


def maintenance_cost(frame: pd.DataFrame, n: int = 15) -> go.Figure:
    """Maintenance cost per item (the n most expensive)."""
    title = "Maintenance cost by item"
    if frame.empty or frame["cost"].sum() == 0:
        return _empty(title, "No maintenance cost in this period")
    data = frame.nlargest(n, "cost").iloc[::-1]
    return _hbars(data, x="cost", labels=data["item_code"] + " " + data["item_name"],
                  colours=_by_category(data), extra=["days_out_of_service", "repairs"], title=title,
                  hover="%{y}: cost %{x:,.2f}, %{customdata[1]} repairs, %{customdata[0]} days out",
                  x_title="cost (currency)")


def members_by_area(frame: pd.DataFrame, n: int = 20) -> go.Figure:
    """New members and active borrowers per postcode area."""
    title = "Members by postcode area"
    if frame.empty:
        return _empty(title)
    data = frame.nlargest(n, "members").iloc[::-1]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=data["active_borrowers"], y=data["postcode_area"], orientation="h",
                         name="active borrowers", marker_color=PRIMARY,
                         hovertemplate="%{y}: %{x} active borrowers<extra></extra>"))
    fig.add_trace(go.Bar(x=data["new_members"], y=data["postcode_area"], orientation="h",
                         name="new members", marker_color=SECONDARY,
                         hovertemplate="%{y}: %{x} new members<extra></extra>"))
    return _layout(fig, title, "members (count)", "postcode area", barmode="group",
                   height=max(300, 34 * len(data) + 120))


def report_figures(name: str, frame: pd.DataFrame, by: str | None = None,
                   extra_frames: dict[str, pd.DataFrame] | None = None) -> list[go.Figure]:
    """The charts a report shows (dashboard and PDF), made from the report's own frames."""
    extra = extra_frames or {}
    if name == "utilisation":
        return [utilisation_bars(frame, by or "item")]
    if name == "overdue":
        return [overdue_by_bucket(frame)]
    if name == "trend":
        figs = [trend_lines(frame)]
        if "category_months" in extra:
            figs.append(category_month_heatmap(extra["category_months"]))
        return figs
    if name == "top_items":
        return [top_items(frame)]
    if name == "maintenance":
        return [maintenance_cost(frame)]
    if name == "members":
        return [members_by_area(frame)]
    if name == "impact":
        figs = [value_lent_by_month(frame)]
        if "top_categories" in extra:
            figs.append(top_categories(extra["top_categories"]))
        if "postcode_reach" in extra:
            figs.append(postcode_reach(extra["postcode_reach"]))
        return figs
    return []
