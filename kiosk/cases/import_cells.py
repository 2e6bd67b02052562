"""Reading one cell of a caseload file in the app's terms: dates day first, choices by code or label, yes or no,
plan areas, and cells that look like spreadsheet formulas (never worked out, and refused)."""
import re
from datetime import date, datetime

from .models import PLAN_AREAS

FORMULA = ("Column “{}” starts with “{}”, as a spreadsheet formula does. Nothing in a file is ever worked "
           "out: save the sheet's values rather than its formulas, or correct the cell, and import again.")


def formula_start(value):
    """What makes a cell look like a formula (=, @, or + and - before anything but a number), else None."""
    if value[:1] in ("=", "@"):
        return value[:1]
    if value[:1] in ("+", "-") and re.search(r"[^0-9 ()+\-.]", value[1:]):
        return value[:1]
    return None


def without_text_mark(value):
    """A leading apostrophe is how a spreadsheet marks a cell as text (this app's downloads add one too)."""
    return value[1:] if value[:1] == "'" else value


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%d %b %Y", "%d-%b-%Y",
                "%d %b, %Y", "%d %B, %Y")


def read_day(text):
    """A UK date as spreadsheets write them (31/12/1985, 1985-12-31, 31 Dec 1985), day first; else ValueError."""
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text.strip())  # a time of 00:00 exported with it
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}", text):
        raise ValueError(f"“{text}” is not a real date (dates are read day first, as 31/12/1985).")
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}", text) or re.fullmatch(r"\d{1,2}[ \-][A-Za-z]+[ \-]\d{2}", text):
        raise ValueError(f"“{text}” has a two-figure year: write the year in full (31/12/1985).")
    raise ValueError(f"“{text[:40]}” is not a date we can read: write it 31/12/1985 or 1985-12-31 (day first).")


def iso_day(day: date):
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def _words(text):
    return " ".join(re.sub(r"[_\-]", " ", text.casefold()).split())


def read_choice(text, choices):
    """The code of a choice given as its code or its label, in any case; None when it is neither."""
    wanted = _words(text)
    return next((code for code, label in choices.items() if wanted in (_words(code), _words(label))), None)


def read_yes_no(text):
    """"yes", "no" or "" (not known), as the case form holds them; ValueError for anything else."""
    word = text.casefold().strip(" .")
    for value, words in (("yes", ("yes", "y", "true", "1")), ("no", ("no", "n", "false", "0")),
                         ("", ("", "not known", "unknown", "don't know", "n/a"))):
        if word in words:
            return value
    raise ValueError(f"“{text[:40]}” is not yes or no.")


def read_plan_areas(text):
    """The plan area codes in a cell ("Accommodation; health"), with each part it could not read."""
    codes, unknown = [], []
    for part in re.split(r"[;|\n]", text):
        pieces = [piece.strip() for piece in part.split(",") if piece.strip()]
        while pieces:
            # Labels can hold commas ("Education, training and employment"): the longest run that names one.
            for length in range(len(pieces), 0, -1):
                code = read_choice(", ".join(pieces[:length]), PLAN_AREAS)
                if code:
                    codes.append(code)
                    pieces = pieces[length:]
                    break
            else:
                unknown.append(pieces.pop(0))
    return list(dict.fromkeys(codes)), unknown
