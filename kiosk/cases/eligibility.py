"""Who the service can support, and when: adult, sentence under four years, no statutory order,
from three months before release to twelve after. Words for the case page; it never blocks work."""
from dataclasses import dataclass
from datetime import date


@dataclass
class Eligibility:
    eligible: bool | None
    words: str
    starts: date | None = None
    ends: date | None = None
    in_window: bool | None = None


def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise ValueError(day)


def _age_on(dob, day):
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def eligibility(case, today=None):
    """Adult, sentence under four years, no statutory order; support 3 months before to 12 after release."""
    today = today or date.today()
    if case.date_of_birth and _age_on(case.date_of_birth, today) < 18:
        return Eligibility(False, "Not eligible: under 18 — refer to youth justice services")
    if case.statutory_order:
        return Eligibility(False, "Not eligible: statutory order — refer on")
    if case.sentence_under_four_years is False:
        return Eligibility(False, "Not eligible: sentence of four years or more — refer on")
    if case.sentence_under_four_years is None or case.statutory_order is None:
        return Eligibility(None, "Eligibility not known: record the sentence length and any statutory order")
    if not case.release_date:
        return Eligibility(True, "Eligible; add a release date to work out the support window")
    starts, ends = add_months(case.release_date, -3), add_months(case.release_date, 12)
    if today < starts:
        return Eligibility(True, f"Support starts {_day(starts)} (3 months before release)", starts, ends, False)
    if today > ends:
        return Eligibility(True, f"Support window ended {_day(ends)}", starts, ends, False)
    return Eligibility(True, f"In support until {_day(ends)}", starts, ends, True)


def _day(day):
    """14 Nov 2027. Not strftime("%-d"), which Windows (a supported office PC) does not know."""
    return f"{day.day} {day:%b %Y}"


def window_warning(case, today=None):
    """Words to show when work is recorded outside the support window; it never blocks."""
    found = eligibility(case, today)
    if found.eligible is False or found.in_window is False:
        return f"Note: {found.words}. Saved all the same."
    return None
