"""Other people's details in a subject access document: what is withheld, what is marked for the manager to
check before sending, and what the manager is told that the person's copy does not say.

Free text staff wrote (notes, summaries, goals) is the person's data but may name others: it is kept, marked.
A detail that names another record (an audit entry about a family record the two sides have not both agreed
to link, or about the case of the person a family member supports) is withheld, as is the case a keep-apart
flag names. Counts of what was left out go to the manager only: to the person they would tell of someone else.
"""
import re

from .models import Case, FamilyMember, SafetyFlag

CHECK = "check_for_third_parties"
WITHHELD = {"withheld": "another person's details"}
FAMILY_MENTION = re.compile(r"family (?:member|record) (\d+)")
CASE_MENTION = re.compile(r"\bcases? \d+")


def staff_text(text):
    """Free text staff wrote: the person's data, but it may name others, so the manager reads it first."""
    return {"text": text, CHECK: True} if text else None


def case_detail(linked_ids):
    """How a case's audit entry reads: withheld when it names a family record not linked to the case."""
    def shown(detail):
        mentioned = {int(found) for found in FAMILY_MENTION.findall(detail or "")}
        return WITHHELD if mentioned - set(linked_ids) else detail
    return shown


def family_detail(linked):
    """How a family record's audit entry reads: withheld when it names a case the two have not both linked."""
    def shown(detail):
        return WITHHELD if not linked and CASE_MENTION.search(detail or "") else detail
    return shown


def marked(value):
    """How many fields of a document (or part of one) are marked for the manager to check."""
    if isinstance(value, dict):
        return int(value.get(CHECK, False)) + sum(marked(v) for v in value.values())
    if isinstance(value, list):
        return sum(marked(v) for v in value)
    return 0


def for_the_manager(subject, document):
    """What the manager should know before sending, which the person's copy does not say."""
    count = marked(document)
    notes = [f"{count} {'field' if count == 1 else 'fields'} written by staff {'is' if count == 1 else 'are'} "
             "marked: read each and black out anyone else's details before sending." if count else
             "No field written by staff: nothing to check for other people's details."]
    if isinstance(subject, Case):
        unlinked = subject.family.where(~FamilyMember.linked()).count()
        if unlinked:
            notes.append(f"{unlinked} family {'record is' if unlinked == 1 else 'records are'} left out: "
                         "not linked with both sides' agreement.")
        if document.get("safety_flags"):
            notes.append("Safety flags are theirs to see, but one whose disclosure could put someone at risk may be "
                         "held back under an exemption: ask your data protection lead before removing one.")
        naming = SafetyFlag.select().where(SafetyFlag.other_case == subject).count()
        if naming:
            notes.append(f"{naming} keep-apart {'flag' if naming == 1 else 'flags'} on another person's record "
                         "name them. Left out: it is that person's record; disclose only after thinking it through.")
    return notes
