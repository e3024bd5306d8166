"""Figures only the dashboard draws (the shared ones live in toolshare_core.charts).

Drawn from frames the core returns (no fetching here), in charts.py's style and colours:
titles, axis labels with units, hover details, the same colour per category everywhere.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from toolshare_core import charts

SIGNAL_COLOURS = {"buy another copy": "#D55E00", "idle: reconsider": "#999999", "ok": "#009E73"}


def members_per_month(trend: pd.DataFrame) -> go.Figure:
    """New members (bars) and active borrowers (line) per month of a `trend` report frame."""
    months = pd.to_datetime(trend["month"])
    fig = go.Figure()
    fig.add_trace(go.Bar(x=months, y=trend["new_members"], name="new members",
                         marker_color="#CC79A7",
                         hovertemplate="%{x|%B %Y}: %{y} new members<extra></extra>"))
    fig.add_trace(go.Scatter(x=months, y=trend["active_borrowers"], name="active borrowers",
                             mode="lines+markers", line={"color": charts.SECONDARY, "width": 3},
                             hovertemplate="%{x|%B %Y}: %{y} active borrowers<extra></extra>"))
    fig.update_xaxes(tickformat="%b %Y", dtick="M1")
    return charts._layout(fig, "New members and active borrowers per month", "month",
                          "members (count)", legend={"orientation": "h", "y": -0.2})


def demand_chart(frame: pd.DataFrame) -> go.Figure:
    """Per category: utilisation against the share of days all copies were out (metrics.demand)."""
    fig = go.Figure()
    for signal, part in frame.groupby("signal"):
        fig.add_trace(go.Scatter(
            x=part["utilisation"] * 100, y=part["all_out_share"] * 100, mode="markers",
            name=str(signal), text=part["category"],
            marker={"size": 8 + 3 * part["items"].clip(upper=10),
                    "color": SIGNAL_COLOURS.get(str(signal), charts.PRIMARY), "opacity": 0.8},
            customdata=part[["items", "loans_started"]].to_numpy(),
            hovertemplate="%{text}<br>utilisation %{x:.1f} %<br>all copies out on %{y:.1f} % "
            "of days<br>%{customdata[0]} items, %{customdata[1]} loans<extra></extra>",
        ))
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(range=[0, 100], ticksuffix=" %")
    return charts._layout(fig, "Demand by category", "utilisation (% of circulation days)",
                          "days all copies were out (%)", height=420)


def maintenance_cost_vs_value(frame: pd.DataFrame) -> go.Figure:
    """Per item of a `maintenance` report frame: cost against replacement value."""
    fig = go.Figure(go.Scatter(
        x=frame["replacement_value"], y=frame["cost"], mode="markers",
        text=frame["item_code"] + " " + frame["item_name"],
        marker={"size": 10, "color": [charts.category_colour(c) for c in frame["category"]]},
        customdata=frame[["category", "days_out_of_service", "repairs"]].to_numpy(),
        hovertemplate="%{text}<br>%{customdata[0]}<br>cost %{y:,.2f} of value %{x:,.2f}<br>"
        "%{customdata[2]} repairs, %{customdata[1]} days out of service<extra></extra>",
        showlegend=False,
    ))
    top = float(max(frame["replacement_value"].max(), frame["cost"].max(), 1.0))
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="cost = value",
                             line={"dash": "dot", "color": "#888888"}, hoverinfo="skip"))
    return charts._layout(fig, "Maintenance cost against replacement value",
                          "replacement value (currency)", "maintenance cost in the period (currency)")
