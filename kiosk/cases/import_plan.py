"""What importing a caseload file would do: each person's rows together, the case here they match (the same
reference, or the same name and date of birth), and the reasons a row cannot be imported."""
import hashlib
import json
from typing import NamedTuple

from ..errors import BadInput
from . import services as casework
from .models import Case


class NewCase(NamedTuple):
    rows: list
    case: dict
    reference: str
    family: list
    areas: list


def _key(reading):
    if reading.reference:
        return {("reference", reading.reference)} | ({("born", reading.name_key, reading.day_key)}
                                                    if reading.name_key and reading.day_key else set())
    if reading.name_key and reading.day_key:
        return {("born", reading.name_key, reading.day_key)}
    return {("name", reading.name_key)} if reading.name_key else set()


def _groups(readings):
    """Each person's rows together (a person with several family members may have a row for each)."""
    groups, by_key, clashes = [], {}, {}
    for reading in readings:
        keys = _key(reading)
        found = {id(by_key[k]): by_key[k] for k in keys if k in by_key}
        if len(found) > 1 or (found and next(iter(found.values()))[0].name_key != reading.name_key):
            first = next(iter(found.values()))[0]
            clashes[reading.number] = (f"Reference {reading.reference} is on row {first.number} for someone else."
                                       if reading.reference else f"Clashes with row {first.number}.")
            groups.append([reading])
            continue
        group = next(iter(found.values())) if found else None
        if group is None:
            group = []
            groups.append(group)
        group.append(reading)
        for k in keys:
            by_key.setdefault(k, group)
    return groups, clashes


def _existing():
    by_reference, by_birth, by_name = {}, {}, {}
    for case_id, reference, name, born in Case.select(Case.id, Case.reference, Case.name,
                                                      Case.date_of_birth).tuples():
        row = (case_id, reference, " ".join(name.casefold().split()), born.isoformat() if born else "")
        by_reference[reference.upper()] = row
        (by_birth.setdefault((row[2], row[3]), []) if born else by_name.setdefault(row[2], [])).append(row)
    return by_reference, by_birth, by_name


def _match(first, existing):
    """The case here this person already has and how it was found, or why their rows cannot be imported."""
    by_reference, by_birth, by_name = existing
    if first.reference in by_reference:
        here = by_reference[first.reference]
        if here[2] == first.name_key or (first.day_key and here[3] == first.day_key):
            return here, "same reference", None
        return None, None, f"Reference {first.reference} is already {here[1]} here, someone else's case."
    if first.day_key:
        found, how = by_birth.get((first.name_key, first.day_key), []), "same name and date of birth"
    else:
        found, how = ([] if first.reference else by_name.get(first.name_key, [])), "same name, no date of birth"
    if len(found) > 1:
        return None, None, (f"Matches {len(found)} cases here ({', '.join(r[1] for r in found[:5])}): "
                            "give a reference or a date of birth to say which.")
    return (found[0], how, None) if found else (None, None, None)


def _refusals(group, clashes, existing):
    """{row number: reasons} for a person's rows that cannot be imported (all of them, if one cannot),
    else the case here they match and how."""
    first = group[0]
    refused = {r.number: list(r.problems) or [clashes[r.number]] for r in group if r.problems or r.number in clashes}
    if not refused:
        try:
            casework._check_dates(first.case)  # what create_case would refuse, asked before anything is made
        except BadInput as error:
            refused = {first.number: [error.message]}
    if refused:
        return {r.number: refused.get(r.number) or [f"Not imported with row {min(refused)}, which is about the "
                                                    "same person."] for r in group}, None, None
    here, how, why = _match(first, existing)
    return ({first.number: [why]} if why else {}), here, how


def plan(readings):
    """What importing these rows would do, as a summary to show and keep, and the cases to create."""
    groups, clashes = _groups([r for r in readings if not r.left_out])
    existing = _existing()
    summary = {"new": [], "matched": [], "refused": [], "warnings": [],
               "left_out": [r.number for r in readings if r.left_out]}
    creating = []
    for group in groups:
        first, numbers = group[0], [r.number for r in group]
        summary["warnings"] += [[r.number, text] for r in group for text in r.warnings]
        refused, here, how = _refusals(group, clashes, existing)
        if refused:
            summary["refused"] += [[number, reasons] for number, reasons in refused.items()]
            continue
        if not (first.reference or first.day_key):
            summary["warnings"].append([first.number, "No date of birth or reference: this person is recognised "
                                        "by name alone, so two people with the same name would be taken for one."])
        if here is not None:
            summary["matched"].append({"rows": numbers, "name": first.case["name"], "case_id": here[0],
                                       "reference": here[1], "how": how})
            continue
        family = [r.family for r in group if r.family]
        areas = list(dict.fromkeys(area for r in group for area in r.areas))
        creating.append(NewCase(numbers, first.case, first.reference, family, areas))
        worker = first.case.get("keyworker")
        summary["new"].append({"rows": numbers, "name": first.case["name"], "reference": first.reference,
                               "born": first.day_key, "keyworker": worker.display_name if worker else None,
                               "family": len(family), "areas": areas})
    summary["refused"].sort()
    summary["warnings"].sort()
    summary["fingerprint"] = hashlib.sha256(json.dumps(
        [summary[part] for part in ("new", "matched", "refused")], sort_keys=True).encode()).hexdigest()
    return summary, creating
