"""The periods a report is asked for, as local dates: this month, last month, this or last quarter, this
year, or a chosen range."""
from datetime import date, timedelta

PERIODS = {"this_month": "This month", "last_month": "Last month", "this_quarter": "This quarter",
           "last_quarter": "Last quarter", "this_year": "This year", "range": "Chosen dates"}


def _quarter_start(day):
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(first):
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def bounds(period, today):
    """The first and last local day (inclusive) of a named period around `today`."""
    month = today.replace(day=1)
    if period == "this_month":
        return month, _month_end(month)
    if period == "last_month":
        last = month - timedelta(days=1)
        return last.replace(day=1), last
    quarter = _quarter_start(today)
    if period == "this_quarter":
        return quarter, _quarter_end(quarter)
    if period == "last_quarter":
        previous = _quarter_start(quarter - timedelta(days=1))
        return previous, quarter - timedelta(days=1)
    if period == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    raise ValueError(period)


def _quarter_end(first):
    return _month_end(date(first.year, first.month + 2, 1))


def describe(first, last):
    if first == last:
        return f"{first:%d %B %Y}"
    return f"{first:%d %B %Y} to {last:%d %B %Y}"
