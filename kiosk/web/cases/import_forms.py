"""The caseload import's forms, and each row of the file checked by the forms a case typed in goes through."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from ...cases.import_cells import (
    FORMULA, formula_start, iso_day, read_choice, read_day, read_plan_areas, read_yes_no, without_text_mark,
)
from ...cases.import_rows import (
    CHOICE_COLUMNS, COLUMNS, DATE_COLUMNS, EXAMPLE_REFERENCE, YES_NO_COLUMNS, RowReading, column_letter,
)
from .forms import CaseFamilyForm, CaseForm

# What an empty cell means, as the case form's first choice would have it.
WHEN_EMPTY = {"contact_preference": "phone", "referral_source": "self", "status": "active"}
FAMILY_COLUMNS = ("family_name", "family_relationship", "family_phone", "family_consent_date")
# What each column takes, where its name does not say.
HINTS = {
    "reference": "Their case reference, kept as it is; empty: the next GTC number. "
                 "Letters, numbers and dashes.",
    "name": "Needed for every case (or First names and Surname instead).",
    "date_of_birth": "Day first: 31/12/1985 or 1985-12-31. With the name, how a case already here is recognised.",
    "contact_preference": "Phone, Letter or In person; empty: Phone.",
    "sentence_under_four_years": "Yes, no, or empty for not known.",
    "statutory_order": "Yes, no, or empty for not known.",
    "referral_source": "One of the sources on the case form, by name; empty: Self.",
    "status": "Referred or Active; empty: Active. Closed cases are not imported.",
    "keyworker": "A keyworker's or manager's username or name here. Anyone else: the case is left unallocated, "
                 "with a warning.",
    "plan_areas": "Areas of the action plan, separated by semicolons; each becomes an item whose goal is "
                  "agreed at the first review.",
    "family_name": "A family member linked to the case; a second row for the same person adds another.",
    "family_link_agreed": "Yes when both the family member and the person agree to the link; otherwise the "
                          "family record is kept apart from the case until they do.",
}


# The columns screen's choices, grouped as the case form groups them.
COLUMN_GROUPS = (
    ("Who they are", ("reference", "name", "first_names", "surname", "preferred_name", "date_of_birth", "phone",
                      "address", "contact_preference")),
    ("Eligibility and support", ("establishment", "sentence_under_four_years", "statutory_order", "release_date",
                                 "referral_source", "referral_date", "consent_date", "status", "keyworker",
                                 "plan_areas")),
    ("A family member", ("family_name", "family_relationship", "family_phone", "family_consent_date",
                         "family_link_agreed")),
)


class UploadForm(FlaskForm):
    file = FileField("The CSV file", validators=[FileRequired(message="Choose the CSV file to import.")])


class ConfirmForm(FlaskForm):
    """Import or discard an upload: a button and the CSRF token."""


NOT_IN_FILE = ""


def columns_form(header, columns, first_row):
    """A choice of the file's columns for each of the app's, as guessed or chosen before."""
    class ColumnsForm(FlaskForm):
        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            chosen = self.chosen()
            if "name" not in chosen and "surname" not in chosen:
                self.name.errors = ["Choose the column that holds each person's name: every case needs one."]
                return False
            seen = {}
            for code, index in chosen.items():
                if index in seen:
                    self[code].errors = [f"Column {column_letter(index)} is already chosen for "
                                         f"“{COLUMNS[seen[index]].label}”: choose each column once."]
                    return False
                seen[index] = code
            return True

        def chosen(self):
            # A choice left out of what was sent is not in the file, whatever the guess was.
            sent = {code: self[code].data for code in COLUMNS if self[code].raw_data or not self.is_submitted()}
            return {code: int(value) for code, value in sent.items()
                    if isinstance(value, str) and value.isascii() and value.isdigit()}  # not refused choices

    options = {NOT_IN_FILE: "Not in this file", **{
        str(i): f"{column_letter(i)}: {heading[:60]}" + (f" (e.g. {first_row[i][:30]})" if i < len(first_row)
                                                         and first_row[i] else "")
        for i, heading in enumerate(header)}}
    for code, column in COLUMNS.items():
        default = str(columns[code]) if code in columns else NOT_IN_FILE
        setattr(ColumnsForm, code, SelectField(column.label, choices=options, default=default,
                                               invalid_choice_message="Choose one of the file's columns."))
    return ColumnsForm()


def read_rows(table, columns, staff_index):
    """Every row of the file as a RowReading, in the file's order."""
    return [read_row(number, cells, table.header, columns, staff_index) for number, cells in table.rows]


def staff_index(keyworkers):
    """Keyworkers by username and by name, in any case, to read the keyworker column."""
    index = {}
    for worker in keyworkers:
        for key in {worker.username.casefold(), " ".join(worker.display_name.casefold().split())}:
            index.setdefault(key, set()).add(worker)
    return index


def read_row(number, cells, header, columns, staff):
    values = {code: without_text_mark(cells[i]) if i < len(cells) else "" for code, i in columns.items()}
    name = values.get("name") or " ".join(filter(None, (values.get("first_names"), values.get("surname"))))
    reference = values.get("reference", "")
    keys = {"number": number, "name_key": " ".join(name.casefold().split()), "reference": reference.upper(),
            "day_key": values.get("date_of_birth", "")}
    if not any(values.values()) or reference.upper() == EXAMPLE_REFERENCE:
        return RowReading(**keys, left_out=True)
    formulas = [FORMULA.format(header[columns[code]][:40], start) for code, value in values.items()
                if (start := formula_start(value))]
    if formulas:
        return RowReading(**keys, problems=tuple(formulas))
    problems, warnings, typed = [], [], {}
    for code in DATE_COLUMNS:
        if values.get(code):
            try:
                typed[code] = iso_day(read_day(values[code]))
            except ValueError as error:
                problems.append(f"{COLUMNS[code].label}: {error}")
    keys["day_key"] = typed.get("date_of_birth", keys["day_key"])
    for code in YES_NO_COLUMNS:
        try:
            typed[code] = read_yes_no(values.get(code, ""))
        except ValueError as error:
            problems.append(f"{COLUMNS[code].label}: {error}")
    for code, choices in CHOICE_COLUMNS.items():
        typed[code] = read_choice(values.get(code) or WHEN_EMPTY[code], choices)
        if typed[code] in (None, "closed"):
            problems.append(_not_a_choice(code, values.get(code, ""), choices))
            typed[code] = WHEN_EMPTY[code]  # so the case form does not object to it a second time
    areas, unknown = read_plan_areas(values.get("plan_areas", ""))
    if unknown:
        problems.append(f"{COLUMNS['plan_areas'].label}: “{'”, “'.join(u[:40] for u in unknown)}” "
                        f"{'is not a plan area' if len(unknown) == 1 else 'are not plan areas'} "
                        "(use the names on a case's action plan, separated by semicolons).")
    case = _case(name, reference, values, typed, problems)
    keyworker = _keyworker(values.get("keyworker", ""), staff, warnings)
    family = _family(values, typed, problems) if any(values.get(code) for code in FAMILY_COLUMNS) else None
    if problems:
        return RowReading(**keys, problems=tuple(problems), warnings=tuple(warnings))
    return RowReading(**keys, case={**case, "keyworker": keyworker}, family=family, areas=tuple(areas),
                      warnings=tuple(warnings))


def _not_a_choice(code, value, choices):
    label = COLUMNS[code].label
    if code == "status":
        return (f"{label}: only cases being supported now are imported (Referred or Active), "
                f"not “{value[:40]}”.")
    return f"{label}: “{value[:40]}” is not one of: {', '.join(choices.values())}."


def _case(name, reference, values, typed, problems):
    """The case as the case form reads it, with its own messages for what it refuses."""
    text = {code: values.get(code, "") for code in ("preferred_name", "phone", "address", "establishment")}
    form = CaseForm(formdata=MultiDict({
        "name": name, "reference": reference, **text, **{code: typed.get(code, "") for code in (
            "date_of_birth", "release_date", "referral_date", "consent_date", "sentence_under_four_years",
            "statutory_order", *CHOICE_COLUMNS)}, "keyworker": "0"}), meta={"csrf": False})
    form.keyworker.choices = {0: ""}
    if not form.validate():
        problems.extend(f"{form[code].label.text}: {errors[0]}" for code, errors in form.errors.items())
        return None
    return form.case_data()


def _family(values, typed, problems):
    agreed = "y" if typed.get("family_link_agreed") == "yes" else ""
    form = CaseFamilyForm(formdata=MultiDict({
        "name": values.get("family_name", ""), "relationship": values.get("family_relationship", ""),
        "phone": values.get("family_phone", ""), "consent_date": typed.get("family_consent_date", ""),
        "link_consent_family": agreed, "link_consent_person": agreed}), meta={"csrf": False})
    if not form.validate():
        problems.extend(f"Family member's {form[code].label.text.lower()}: {errors[0]}"
                        for code, errors in form.errors.items())
        return None
    return form.family_data()


def _keyworker(text, staff, warnings):
    """The keyworker named, or nobody with a warning: an unknown name leaves the case unallocated."""
    if not text:
        return None
    found = staff.get(" ".join(text.casefold().split()), set())
    if len(found) == 1:
        return next(iter(found))
    warnings.append(f"Keyworker “{text[:40]}” "
                    + ("is more than one person here" if found else "is not a keyworker or manager here")
                    + ": the case will be left unallocated. Allocate it on the case's page.")
    return None
