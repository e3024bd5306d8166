"""Vectorised generation of the synthetic library's rows (numpy), before anything is written.

Days are integers counted from the library's founding (day 0); `today` is day `horizon`.
Every event happens strictly before today's midnight, so nothing lies in the future and
the same seed with the same `today` gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from toolshare_core import seed_data as sd
from toolshare_core.seed_timeline import (
    Calendar,
    Shape,
    assign_members,
    loan_rows,
    maintenance_rows,
    timeline,
    unless,
)

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
SETUP_DAYS = 270  # stock is bought and first members sign up before lending opens
OVERDUE_BUCKETS = ((2, 7), (9, 30), (32, 60), (62, 150))  # days overdue held open per bucket
SUBS = [(t, s) for t in sd.CATEGORIES for s in t.subs]
__all__ = ["Generated", "Shape", "generate"]


@dataclass
class Generated:
    """Rows ready to load; foreign keys are positions in the parent frames."""

    locations: pd.DataFrame
    categories: pd.DataFrame
    items: pd.DataFrame
    members: pd.DataFrame
    loans: pd.DataFrame
    maintenance: pd.DataFrame


def generate(shape: Shape, *, seed: int, today: date,
             code_offsets: dict[str, int] | None = None, member_offset: int = 0) -> Generated:
    """The whole library as frames; the same arguments always give the same rows."""
    opening = SETUP_DAYS
    horizon = opening + round(shape.years * 365.25)
    founded = today - timedelta(days=horizon)
    cal = Calendar(founded, horizon, opening)
    rng = [np.random.default_rng([seed, part]) for part in range(6)]
    items, plan = _items(rng[0], shape, horizon, opening, code_offsets or {})
    members = _members(rng[1], shape.members, horizon, opening, member_offset)
    plan_loans, plan_maint = timeline(rng[2], shape, plan, cal, opening, horizon)
    plan_loans = assign_members(rng[3], plan_loans, members)
    loans = loan_rows(rng[4], plan_loans, founded, cal.dow0)
    maintenance = maintenance_rows(rng[5], plan_maint, plan, items["status"].to_numpy())
    for frame, columns in ((items, ("acquired_on", "retired_on")), (members, ("joined_on",)),
                           (maintenance, ("started_on", "ended_on"))):
        for column in columns:
            frame[column] = _dates(founded, frame[column].to_numpy())
    locations = pd.DataFrame({"name": [n for n, _, _ in sd.LOCATIONS],
                              "address": [a for _, a, _ in sd.LOCATIONS]})
    return Generated(locations=locations, categories=_categories(), items=items,
                     members=members.drop(columns="activity"), loans=loans,
                     maintenance=maintenance)


def _categories() -> pd.DataFrame:
    rows: list[tuple[str, str | None, int]] = []
    for top in sd.CATEGORIES:
        rows.append((top.name, None, 7))
        rows.extend((sub.name, top.name, sub.loan_days) for sub in top.subs)
    return pd.DataFrame(rows, columns=["name", "parent", "loan_period_days"])


def _items(rng: np.random.Generator, shape: Shape, horizon: int, opening: int,
           offsets: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = shape.items
    stock = np.asarray([t.stock_share * s.popularity ** 0.5 / sum(x.popularity ** 0.5 for x in t.subs)
                        for t, s in SUBS])
    sub = rng.choice(len(SUBS), size=n, p=stock / stock.sum())
    initial = rng.random(n) < 0.35
    acquired = np.where(initial, rng.integers(0, opening, n),
                        opening + ((horizon - 21 - opening) * rng.random(n) ** 0.9).astype(np.int64))
    order = np.lexsort((rng.random(n), acquired))  # codes count up in order of purchase
    sub, acquired = sub[order], acquired[order]
    period = np.asarray([s.loan_days for _, s in SUBS])[sub]
    median = np.asarray([s.median_value for _, s in SUBS])[sub]
    pounds = np.maximum(np.round(median * rng.lognormal(0.0, 0.35, n), 0), 2.0)
    value = pounds - np.where(rng.random(n) < 0.5, 0.01, 0)  # half are priced like 84.99
    top_of = np.asarray([sd.CATEGORIES.index(t) for t, _ in SUBS])[sub]
    shares = np.asarray([share for _, _, share in sd.LOCATIONS])
    location = rng.choice(len(shares), size=n, p=shares / shares.sum())
    garden = np.asarray([t.season == "garden" for t, _ in SUBS])[sub]
    location = np.where(garden & (rng.random(n) < 0.7), sd.GARDEN_SHED, location)
    # Zipf-like popularity: a few items always out, a long tail, about 10 % never borrowed.
    rank = rng.permutation(n)
    popularity = (rank + 10.0) ** -0.7 * np.asarray([s.popularity for _, s in SUBS])[sub]
    popularity[rng.random(n) < 0.10] = 0.0
    status, end, natural, retired, forced_overdue = _statuses(rng, n, acquired, horizon,
                                                              popularity, period, shape.loans)
    codes, names, brands = _labels(rng, sub, offsets)
    reason = unless(status != "retired", rng.choice(np.asarray(sd.RETIRED_REASONS), n))
    items = pd.DataFrame({
        "code": codes, "name": names, "brand": brands,
        "category": [_category_position(s) for s in sub],  # row in _categories()
        "location": location, "condition": _conditions(rng, status, horizon - acquired),
        "status": status,
        "replacement_value": value, "acquired_on": acquired,
        "retired_on": np.where(status == "retired", retired, -1), "retired_reason": reason,
    })
    plan = pd.DataFrame({"sub": sub, "top": top_of, "period": period, "acquired": acquired,
                         "end": end, "natural": natural, "popularity": popularity,
                         "forced_overdue": forced_overdue, "value": value})
    return items, plan


def _labels(rng: np.random.Generator, sub: Ints, offsets: dict[str, int]
            ) -> tuple[list[str], list[str], NDArray[np.object_]]:
    """Codes numbered per sub-category in purchase order (after `offsets`), names, brands."""
    codes = []
    seen: dict[str, int] = {}
    for s in sub:
        top, child = SUBS[s]
        prefix = f"{top.code}-{child.code}-"
        seen[prefix] = seen.get(prefix, offsets.get(prefix, 0)) + 1
        codes.append(f"{prefix}{seen[prefix]:04d}")
    picks = rng.integers(0, 1000, (2, sub.size))
    names = [SUBS[s][1].names[k % len(SUBS[s][1].names)] for s, k in zip(sub, picks[0], strict=True)]
    brands = [SUBS[s][0].brands[k % len(SUBS[s][0].brands)] for s, k in zip(sub, picks[1], strict=True)]
    return codes, names, unless(rng.random(sub.size) < 0.08, brands)


def _conditions(rng: np.random.Generator, status: NDArray[np.str_], age: Ints) -> NDArray[np.str_]:
    n = status.size
    condition = np.where(age < 180, "new", rng.choice(["good", "fair", "poor"], n, p=[0.6, 0.3, 0.1]))
    condition = np.where(status == "retired", rng.choice(["poor", "broken"], n), condition)
    return np.where(status == "maintenance", rng.choice(["poor", "broken", "fair"], n), condition)


def _category_position(sub_index: int) -> int:
    top, child = SUBS[sub_index]
    position = 0
    for t in sd.CATEGORIES:
        if t is top:
            return position + 1 + t.subs.index(child)
        position += 1 + len(t.subs)
    raise AssertionError("unknown sub-category")


def _statuses(rng: np.random.Generator, n: int, acquired: Ints, horizon: int,
              popularity: Floats, period: Ints, loans: int
              ) -> tuple[NDArray[np.str_], Ints, NDArray[np.bool_], Ints, Ints]:
    """Pick retired, in-maintenance, missing and held-overdue items; each item's last lending day."""
    status = np.full(n, "active", dtype=object)
    end = np.full(n, horizon, dtype=np.int64)
    retired = np.full(n, -1, dtype=np.int64)
    forced = np.full(n, -1, dtype=np.int64)
    free = acquired < horizon - 200

    def pick(count: int, eligible: NDArray[np.bool_]) -> Ints:
        pool = np.flatnonzero(eligible & free)
        chosen = rng.choice(pool, size=min(count, pool.size), replace=False)
        free[chosen] = False
        return np.sort(chosen)

    per_bucket = min(40, max(2, loans // 1500), loans // 4)  # never more than asked for
    for low, high in OVERDUE_BUCKETS:
        chosen = pick(per_bucket, popularity > 0)
        forced[chosen] = rng.integers(low, high + 1, chosen.size)
        end[chosen] = horizon - forced[chosen] - period[chosen]
    chosen = pick(round(n * 0.06), np.ones(n, dtype=bool))
    retired[chosen] = acquired[chosen] + 120 + (
        (horizon - 1 - acquired[chosen] - 120) * rng.random(chosen.size)).astype(np.int64)
    status[chosen], end[chosen] = "retired", retired[chosen]
    chosen = pick(max(1, round(n * 0.02)), np.ones(n, dtype=bool))
    status[chosen], end[chosen] = "maintenance", horizon - rng.integers(1, 31, chosen.size)
    chosen = pick(max(1, round(n * 0.006)), np.ones(n, dtype=bool))
    status[chosen], end[chosen] = "missing", horizon - rng.integers(14, 300, chosen.size)
    natural = end == horizon
    return status.astype(str), end, natural, retired, forced


def _members(rng: np.random.Generator, n: int, horizon: int, opening: int,
             offset: int) -> pd.DataFrame:
    founding = rng.random(n) < 0.06
    joined = np.where(founding, opening - rng.integers(1, 60, n),
                      opening + ((horizon - 1 - opening) * rng.random(n) ** 0.8).astype(np.int64))
    joined = np.sort(joined)
    status = rng.choice(["active", "suspended", "left"], n, p=[0.90, 0.03, 0.07])
    status[0] = "active"  # someone is always there to borrow on opening day
    first = rng.choice(np.asarray(sd.FIRST_NAMES), n)
    last = rng.choice(np.asarray(sd.SURNAMES), n)
    numbers = np.arange(1, n + 1) + offset
    local = [f"{f}.{s}{k}".lower().replace("'", "") for f, s, k in zip(first, last, numbers, strict=True)]
    areas, weights = zip(*sd.POSTCODE_AREAS, strict=True)
    area = rng.choice(np.asarray(areas), n, p=np.asarray(weights) / sum(weights))
    letters = np.asarray(list(sd.INWARD_LETTERS))
    inward = [f"{d}{a}{b}" for d, a, b in zip(rng.integers(1, 10, n), rng.choice(letters, n),
                                              rng.choice(letters, n), strict=True)]
    activity = rng.lognormal(0.0, 1.0, n) * np.where(status == "left", 0.5, 1.0)
    return pd.DataFrame({
        "member_no": [f"M-{k:05d}" for k in numbers],
        "name": [f"{f} {s}" for f, s in zip(first, last, strict=True)],
        "email": unless(rng.random(n) < 0.1, [f"{x}@example.org" for x in local]),
        "postcode": unless(rng.random(n) < 0.04,
                           [f"{a} {i}" for a, i in zip(area, inward, strict=True)]),
        "phone": unless(rng.random(n) < 0.35,
                        [f"07700 900{k:03d}" for k in rng.integers(0, 1000, n)]),
        "joined_on": joined, "status": status, "activity": activity,
    })


def _dates(founded: date, days: Ints) -> list[date | None]:
    return [founded + timedelta(days=int(d)) if d >= 0 else None for d in days]

