"""The synthetic library's history: loans and maintenance laid on each item's own timeline.

Items are simulated side by side (numpy arrays, one entry per item): each draws a gap,
proposes a check-out day, keeps it with the day's weight (weekday x season x growth:
thinning), lends for about the category's loan period, sometimes goes to maintenance,
and moves on. So loans of one item never overlap, never start before it was bought, after
it left circulation or while it is in maintenance, and a loan still out at today's
midnight stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from toolshare_core import seed_data as sd

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
SAME_DAY, LATE, VERY_LATE, RENEWED, MAINTENANCE_AFTER = 0.02, 0.15, 0.12, (0.90, 0.08, 0.02), 0.04


@dataclass(frozen=True)
class Shape:
    """How big a library to make."""

    items: int
    members: int
    loans: int
    years: float


class Calendar:
    """Per-day weekday, month and check-out weight (weekday x season x growth) by season."""

    def __init__(self, founded: date, horizon: int, opening: int) -> None:
        days = np.datetime64(founded, "D") + np.arange(horizon + 1)
        self.dow0 = founded.weekday()
        month = days.astype("datetime64[M]").astype(np.int64) % 12
        dow = (self.dow0 + np.arange(horizon + 1)) % 7
        t = np.arange(horizon + 1, dtype=np.float64)
        growth = np.where(t < opening, 0.0, 0.45 + 0.55 * np.clip((t - opening) / 550.0, 0, 1))
        weekday = np.asarray(sd.WEEKDAY_WEIGHT)[dow]
        season = np.asarray([sd.SEASONS[name] for name in sd.SEASON_NAMES])[:, month]
        weight = weekday * season * growth
        self.accept: Floats = weight / weight.max(axis=1, keepdims=True)  # thinning probability
        self.cumulative: Floats = np.concatenate(
            [np.zeros((len(sd.SEASON_NAMES), 1)), np.cumsum(self.accept, axis=1)], axis=1)


def timeline(rng: np.random.Generator, shape: Shape, plan: pd.DataFrame, cal: Calendar,
             opening: int, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loans (item, day, renewals, due_days, offset to return, open) and closed maintenance."""
    forced = np.flatnonzero(plan["forced_overdue"].to_numpy() >= 0)
    target = max(0, shape.loans - forced.size)
    period = plan["period"].to_numpy()
    start = np.maximum(plan["acquired"].to_numpy(), opening)
    end = plan["end"].to_numpy()
    window = np.maximum(end - start, 0).astype(np.float64)
    popularity = plan["popularity"].to_numpy() * (window > 0)
    group = np.asarray([sd.SEASON_NAMES.index(t.season) for t in sd.CATEGORIES])[plan["top"]]
    acceptance = (cal.cumulative[group, np.maximum(end, start)] - cal.cumulative[group, start]) \
        / np.maximum(window, 1)
    busy = 0.9 * period + 2.9  # days a loan (and what follows it) keeps the item, on average
    share = popularity * window / max(float((popularity * window).sum()), 1e-9)
    factor = 1.1
    loans, maint = _empty_loans(), pd.DataFrame({"item": [], "start": [], "end": []})
    for _ in range(5):
        wanted = np.maximum(share * target * factor, 1e-9)
        gap = np.maximum(0.05, (window / wanted - busy) * acceptance)
        attempt = np.random.default_rng(rng.integers(2**62))
        loans, maint = _simulate(attempt, gap, start, end, plan, popularity > 0, cal)
        if len(loans) >= target or target == 0:
            break
        factor *= 1.1 * (target / max(len(loans), target / 4)) ** 1.5  # busy items saturate
    excess = len(loans) - target
    if excess > 0:
        returned = np.flatnonzero(~loans["open"].to_numpy())
        drop = rng.choice(returned, size=min(excess, returned.size), replace=False)
        kept = np.ones(len(loans), dtype=bool)
        kept[drop] = False
        loans = loans[kept].reset_index(drop=True)
    overdue = plan["forced_overdue"].to_numpy()[forced]
    held = pd.DataFrame({"item": forced, "day": horizon - overdue - period[forced],
                         "renewals": 0, "due_days": period[forced],
                         "offset": overdue + period[forced] + 1, "open": True})
    return pd.concat([loans, held], ignore_index=True), maint


def _empty_loans() -> pd.DataFrame:
    return pd.DataFrame({k: np.zeros(0, dtype=np.int64) for k in
                         ("item", "day", "renewals", "due_days", "offset")} | {"open": np.zeros(0, bool)})


def _simulate(rng: np.random.Generator, gap: Floats, start: Ints, end: Ints, plan: pd.DataFrame,
              lendable: NDArray[np.bool_], cal: Calendar) -> tuple[pd.DataFrame, pd.DataFrame]:
    period = plan["period"].to_numpy()
    natural = plan["natural"].to_numpy()
    group = np.asarray([sd.SEASON_NAMES.index(t.season) for t in sd.CATEGORIES])[plan["top"]]
    cur = np.where(lendable, start.astype(np.float64), np.inf)
    idx = np.flatnonzero(cur < end)
    loans: list[tuple[Ints, ...]] = []
    maint: list[tuple[Ints, ...]] = []
    while idx.size:
        candidate = cur[idx] + rng.exponential(gap[idx])
        day = candidate.astype(np.int64)
        alive = day < end[idx]
        cur[idx[~alive]] = np.inf
        idx, day = idx[alive], day[alive]
        taken = rng.random(idx.size) < cal.accept[group[idx], day]
        cur[idx[~taken]] = day[~taken] + 1.0  # a refused day is skipped, keeping the rhythm
        item, day = idx[taken], day[taken]
        if item.size:
            loan, after = _lend(rng, item, day, period[item], end[item], natural[item])
            loans.append(loan)
            maint.append(after[:3])
            cur[item] = after[3]
        idx = idx[cur[idx] < end[idx]]
    names = ("item", "day", "renewals", "due_days", "offset", "open")
    frame = pd.DataFrame({n: np.concatenate([c[k] for c in loans]) for k, n in enumerate(names)}) \
        if loans else _empty_loans()
    frame["open"] = frame["open"].astype(bool)
    kept = pd.DataFrame({n: np.concatenate([c[k] for c in maint]) if maint else np.zeros(0, np.int64)
                         for k, n in enumerate(("item", "start", "end"))})
    return frame, kept


def _lend(rng: np.random.Generator, item: Ints, day: Ints, period: Ints, end: Ints,
          natural: NDArray[np.bool_]) -> tuple[tuple[Ints, ...], tuple[Ints, Ints, Ints, Floats]]:
    """One check-out for each item in `item` on `day`: how long, and what follows."""
    n = item.size
    renewals = rng.choice(3, size=n, p=RENEWED).astype(np.int64)
    due = period * (1 + renewals)
    u = rng.random(n)
    same_day, late = u < SAME_DAY, (u >= SAME_DAY) & (u < SAME_DAY + LATE)
    on_time = np.clip(np.ceil(due * rng.beta(5.0, 1.6, n)), 1, due)
    very_late = np.where(rng.random(n) < VERY_LATE, rng.integers(15, 120, n), 0)
    late_by = 1 + rng.exponential(3.0, n).astype(np.int64) + very_late
    offset = np.where(same_day, 0, np.where(late, due + late_by, on_time)).astype(np.int64)
    back = day + offset
    crosses = back >= end
    keep = ~crosses | natural  # a loan out at the end of a natural timeline stays open
    repair = ~crosses & (rng.random(n) < MAINTENANCE_AFTER)
    workshop = np.maximum(back, day + 1)  # the day the loan occupied stays a lending day
    fixed = workshop + rng.geometric(0.2, n)
    repair &= fixed < end
    following = np.where(repair, fixed, back + 1).astype(np.float64)
    following[crosses] = np.inf
    loan = (item[keep], day[keep], renewals[keep], due[keep], offset[keep],
            (crosses & natural)[keep].astype(np.int64))
    return loan, (item[repair], workshop[repair], fixed[repair], following)


def unless(mask: NDArray[np.bool_], values: object) -> NDArray[np.object_]:
    """`values` with None where `mask` is true (a NULL in the database)."""
    out = np.asarray(values, dtype=object)
    out[mask] = None
    return out


def assign_members(rng: np.random.Generator, loans: pd.DataFrame,
                   members: pd.DataFrame) -> pd.DataFrame:
    """A borrower for each loan among members who had joined by then (busy ones more often);
    loans still out go to active members only."""
    joined = members["joined_on"].to_numpy()
    weight = members["activity"].to_numpy()
    active = np.flatnonzero(members["status"].to_numpy() == "active")
    day = loans["day"].to_numpy()
    who = _weighted_prefix_pick(rng, joined, weight, day)
    is_open = loans["open"].to_numpy()
    who[is_open] = active[_weighted_prefix_pick(rng, joined[active], weight[active], day[is_open])]
    return loans.assign(member=who)


def _weighted_prefix_pick(rng: np.random.Generator, joined: Ints, weight: Floats,
                          day: Ints) -> Ints:
    """For each day, a position among members joined on or before it, with `weight`."""
    cumulative = np.cumsum(weight)
    eligible = np.maximum(np.searchsorted(joined, day, side="right"), 1)
    target = rng.random(day.size) * cumulative[eligible - 1]
    picked = np.minimum(np.searchsorted(cumulative, target, side="right"), eligible - 1)
    return np.asarray(picked, dtype=np.int64)


def loan_rows(rng: np.random.Generator, loans: pd.DataFrame, founded: date,
              dow0: int) -> pd.DataFrame:
    """Loans with times of day (desk opening hours) as local timestamps, in check-out order."""
    n = len(loans)
    day, offset = loans["day"].to_numpy(), loans["offset"].to_numpy()
    due_days, is_open = loans["due_days"].to_numpy(), loans["open"].to_numpy()
    out_sec = _desk_time(rng, (dow0 + day) % 7)
    back_sec = _desk_time(rng, (dow0 + day + offset) % 7)
    back_sec = np.where(offset == 0, out_sec + 60 * rng.integers(30, 240, n), back_sec)
    back_sec = np.where(offset == due_days, np.minimum(back_sec, out_sec), back_sec)  # on time
    base = np.datetime64(founded, "s")
    loaned = base + (day * 86400 + out_sec).astype("timedelta64[s]")
    due = loaned + (due_days * 86400).astype("timedelta64[s]")
    returned = base + ((day + offset) * 86400 + back_sec).astype("timedelta64[s]")
    condition = rng.choice(np.asarray(["good", "fair", "poor"]), n, p=[0.85, 0.10, 0.05])
    frame = pd.DataFrame({
        "item": loans["item"].to_numpy(), "member": loans["member"].to_numpy(),
        "loaned_at": np.datetime_as_string(loaned, unit="s"),
        "due_at": np.datetime_as_string(due, unit="s"),
        "returned_at": unless(is_open, np.datetime_as_string(returned, unit="s")),
        "renewals": loans["renewals"].to_numpy(),
        "return_condition": unless(is_open, condition),
    })
    order = np.lexsort((frame["item"].to_numpy(), loaned))
    return frame.iloc[order].reset_index(drop=True)


def _desk_time(rng: np.random.Generator, dow: Ints) -> Ints:
    """Seconds after midnight within the desk's opening hours of that weekday, whole minutes."""
    opens = np.asarray(sd.OPENING_HOUR)[dow] * 3600
    minutes = (rng.random(dow.size) * np.asarray(sd.OPEN_HOURS)[dow] * 60).astype(np.int64)
    return np.asarray(opens + minutes * 60, dtype=np.int64)


def maintenance_rows(rng: np.random.Generator, maint: pd.DataFrame, plan: pd.DataFrame,
                     status: NDArray[np.str_]) -> pd.DataFrame:
    """Closed jobs (kind and cost by kind) plus an open repair for every item in maintenance."""
    n = len(maint)
    kinds, shares, cost_share = zip(*sd.MAINTENANCE_KINDS, strict=True)
    kind = rng.choice(len(kinds), n, p=np.asarray(shares))
    item = maint["item"].to_numpy().astype(np.int64)
    value = plan["value"].to_numpy()[item]
    cost = value * np.asarray(cost_share)[kind] * rng.lognormal(0.0, 0.5, n)
    cost += np.where(np.asarray(kinds)[kind] == "safety check", rng.choice([0.0, 7.5], n), 0.0)
    closed = pd.DataFrame({"item": item, "started_on": maint["start"].to_numpy().astype(np.int64),
                           "ended_on": maint["end"].to_numpy().astype(np.int64),
                           "kind": np.asarray(kinds)[kind], "cost": np.round(cost, 2),
                           "notes": None})
    waiting = np.flatnonzero(status == "maintenance")
    still_open = pd.DataFrame({"item": waiting, "started_on": plan["end"].to_numpy()[waiting],
                               "ended_on": -1, "kind": "repair", "cost": 0.0,
                               "notes": "waiting for parts"})
    frame = pd.concat([closed, still_open], ignore_index=True)
    order = np.lexsort((frame["item"].to_numpy(), frame["started_on"].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)
