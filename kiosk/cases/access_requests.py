"""Subject access requests: logged with their one-month deadline, listed until answered, answered by a manager.

UK GDPR Article 12(3) gives one month from receipt: the same day of the next month, or that month's last
day when it has none (31 January is due 28 or 29 February). Each request is about a case or a family record;
logging it, showing it and answering it are in that record's audit trail. A request outlives the record it
was about (an erasure leaves it with neither), so the register still shows it was answered in time.
"""
from peewee import JOIN, CharField, DateField, DateTimeField, ForeignKeyField

from .. import audit
from ..clock import utcnow
from ..db import BaseModel
from ..dropin.schedule import schedule
from ..errors import BadInput, NotFound, Refused
from ..people.models import StaffUser
from ..transactions import write_transaction
from .eligibility import add_months
from .models import Case, FamilyMember

REQUEST_STATUSES = {"open": "Open", "answered": "Answered"}
HOW_RECEIVED = {"letter": "Letter", "email": "Email", "in_person": "In person", "phone": "Phone",
                "representative": "From someone acting for them"}
ANSWERED_SHOWN = 20  # answered requests listed under the open ones, newest first
ACTION = "subject_access"


class SubjectAccessRequest(BaseModel):
    case = ForeignKeyField(Case, null=True, backref="+", on_delete="SET NULL")
    family_member = ForeignKeyField(FamilyMember, null=True, backref="+", on_delete="SET NULL")
    received_on = DateField()
    due_on = DateField(index=True)
    how = CharField(max_length=20, default="letter")  # HOW_RECEIVED
    status = CharField(max_length=20, default="open")  # REQUEST_STATUSES
    logged_by = ForeignKeyField(StaffUser, null=True, backref="+")
    logged_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)
    answered_by = ForeignKeyField(StaffUser, null=True, backref="+")

    @property
    def subject(self):
        """The case or family record it is about; None once that record is erased."""
        return self.case if self.case_id else (self.family_member if self.family_member_id else None)

    @property
    def answered_on(self):
        return schedule().local_today(self.answered_at) if self.answered_at else None

    def days_left(self, today):
        """Days to the deadline (negative once it has passed)."""
        return (self.due_on - today).days


def deadline(received_on):
    """One calendar month after receipt: the same day of the next month, or its last day when it has none."""
    return add_months(received_on, 1)


def local_today():
    return schedule().local_today(utcnow())


def _subject(case_id=None, member_id=None):
    if case_id is not None:
        case = Case.get_or_none(Case.id == case_id)
        if case is None:
            raise NotFound("There is no case with that number.")
        return case
    member = FamilyMember.get_or_none(FamilyMember.id == member_id)
    if member is None:
        raise NotFound("There is no such family record.")
    return member


def _about(subject):
    return ((SubjectAccessRequest.case == subject.id) if isinstance(subject, Case)
            else (SubjectAccessRequest.family_member == subject.id))


def log_request(received_on, how, staff, case_id=None, member_id=None):
    """A request received on a day for everything held about a case's person or a family member."""
    today = local_today()
    if received_on is None:
        raise BadInput("Enter the date the request was received.")
    if received_on > today:
        raise BadInput("The request cannot have been received on a day still to come.")
    if (today - received_on).days > 366:
        raise BadInput("That is more than a year ago; check the year.")
    if how not in HOW_RECEIVED:
        raise BadInput("Choose how the request came in from the list.")
    with write_transaction():
        subject = _subject(case_id, member_id)
        already = (SubjectAccessRequest.select().where(_about(subject) & (SubjectAccessRequest.status == "open"))
                   .first())
        if already is not None:
            raise Refused(f"There is already an open request for this person, received "
                          f"{already.received_on:%d/%m/%Y} and due by {already.due_on:%d/%m/%Y}.")
        request = SubjectAccessRequest.create(
            case=subject if isinstance(subject, Case) else None,
            family_member=subject if isinstance(subject, FamilyMember) else None,
            received_on=received_on, due_on=deadline(received_on), how=how, logged_by=staff, logged_at=utcnow())
        audit.record(ACTION, subject, f"request {request.id} received {received_on:%Y-%m-%d} "
                                      f"({how}), due {request.due_on:%Y-%m-%d}", staff=staff)
    return request


def answer_request(request_id, staff):
    """The document and file were sent: the request is answered, by this manager, now."""
    with write_transaction():
        request = get_request(request_id)
        if request.status == "answered":
            raise Refused(f"This request was already marked answered on {request.answered_on:%d/%m/%Y}.")
        request.status, request.answered_at, request.answered_by = "answered", utcnow(), staff
        request.save()
        late = (request.answered_on - request.due_on).days
        detail = f"request {request.id} answered" + (f", {late} days after the deadline" if late > 0 else "")
        audit.record(ACTION, request.subject, detail, staff=staff)
    return request


def get_request(request_id):
    request = (SubjectAccessRequest.select(SubjectAccessRequest, Case, FamilyMember)
               .join(Case, JOIN.LEFT_OUTER).switch(SubjectAccessRequest).join(FamilyMember, JOIN.LEFT_OUTER)
               .where(SubjectAccessRequest.id == request_id).first())
    if request is None:
        raise NotFound("There is no such subject access request.")
    return request


def view_request(request_id):
    """The request's page, which names the person: audited as a view of their record."""
    request = get_request(request_id)
    if request.subject is not None:
        audit.record("view", request.subject, f"subject access request {request.id}")
    return request


def person_page(case_id=None, member_id=None):
    """A person's requests, newest first, for the page a new one is logged from (audited: it names them)."""
    subject = _subject(case_id, member_id)
    audit.record("view", subject, "subject access requests")
    requests = list(SubjectAccessRequest.select().where(_about(subject))
                    .order_by(SubjectAccessRequest.received_on.desc(), SubjectAccessRequest.id.desc()))
    return subject, requests


def register():
    """Open requests, the nearest deadline first, and the latest answered ones; each person named is audited."""
    def query(status):
        return (SubjectAccessRequest.select(SubjectAccessRequest, Case, FamilyMember)
                .join(Case, JOIN.LEFT_OUTER).switch(SubjectAccessRequest).join(FamilyMember, JOIN.LEFT_OUTER)
                .where(SubjectAccessRequest.status == status))
    still_open = list(query("open").order_by(SubjectAccessRequest.due_on, SubjectAccessRequest.id))
    answered = list(query("answered").order_by(SubjectAccessRequest.answered_at.desc()).limit(ANSWERED_SHOWN))
    shown = still_open + answered
    audit.record_shown([r.case_id for r in shown if r.case_id], "listed in subject access requests")
    audit.record_shown([r.family_member_id for r in shown if r.family_member_id],
                       "listed in subject access requests", object_type="FamilyMember")
    return still_open, answered
