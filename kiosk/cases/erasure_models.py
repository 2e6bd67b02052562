"""The record of each erasure and anonymising, and the one narrow door it opens in the append-only audit log."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utcnow
from ..db import BaseModel, database, is_sqlite
from ..people.models import StaffUser

# Why a person's records are erased at their request: UK GDPR Article 17(1), in the office's words.
ERASURE_REASONS = {
    "no_longer_needed": "They asked, and the records are no longer needed for their support (Article 17(1)(a))",
    "consent_withdrawn": "They withdrew their consent, and nothing else allows keeping the records (Article 17(1)(b))",
    "objected": "They objected, and there is no overriding reason to keep the records (Article 17(1)(c))",
    "unlawful": "The records should never have been kept (Article 17(1)(d))",
    "other": "Another reason under Article 17 (say which below)",
}
RETENTION_ENDED = "retention_ended"  # the reason an anonymising at the end of the retention period gives
KINDS = {"request": "Erased on request", "retention": "Anonymised: retention period ended"}
STATUSES = {"waiting": "Waiting for a second manager", "done": "Done", "withdrawn": "Withdrawn"}
ERASED_DETAIL = "(erased)"  # what an erased case's audit rows say in place of their detail


class Erasure(BaseModel):
    """One erasure on request (asked for by a manager, confirmed by another) or one anonymising of a closed
    case whose retention period ended. It names the case by its number alone, never the person, and is kept
    after everything else about them is gone: it is the service's record that the erasure was done."""
    case_number = IntegerField(index=True)  # the case's id: no foreign key, nothing that names anyone
    kind = CharField(max_length=20, default="request")  # KINDS
    reason = CharField(max_length=30)  # ERASURE_REASONS, or RETENTION_ENDED
    details = CharField(max_length=300, null=True)  # the manager's words; never the person's name
    status = CharField(max_length=20, default="waiting")  # STATUSES
    requested_by = ForeignKeyField(StaffUser, backref="+")
    requested_at = DateTimeField(default=utcnow)
    confirmed_by = ForeignKeyField(StaffUser, null=True, backref="+")
    confirmed_at = DateTimeField(null=True)
    withdrawn_by = ForeignKeyField(StaffUser, null=True, backref="+")
    withdrawn_at = DateTimeField(null=True)
    done = TextField(null=True)  # what was deleted, cleared and kept, in counts

    @property
    def reason_words(self):
        if self.reason == RETENTION_ENDED:
            return "The retention period ended"
        return ERASURE_REASONS.get(self.reason, self.reason)


# The audit log refuses every UPDATE and DELETE (migration 0005_audit_append_only). Erasing a case must
# take the words out of its audit rows while keeping the rows (who looked, what they did, when, from
# where). So the one UPDATE now let through is: the detail, and nothing else, set to ERASED_DETAIL, on a
# row about a case that an erasure marked done. Deleting stays refused, any other change too, and no
# code can use this door before the erasure's own row says the case is erased.
_SAME = ("id", "at", "staff_id", "username", "action", "object_type", "object_id", "address")
_LET_THROUGH = {
    "sqlite": (f"NEW.detail = '{ERASED_DETAIL}' AND OLD.object_type = 'Case' AND "
               + " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _SAME)
               + " AND EXISTS (SELECT 1 FROM erasure WHERE erasure.case_number = OLD.object_id"
                 " AND erasure.status = 'done')"),
    "postgresql": (f"TG_OP = 'UPDATE' AND NEW.detail = '{ERASED_DETAIL}' AND OLD.object_type = 'Case' AND "
                   f"({', '.join('NEW.' + c for c in _SAME)}) IS NOT DISTINCT FROM "
                   f"({', '.join('OLD.' + c for c in _SAME)})"
                   " AND EXISTS (SELECT 1 FROM erasure WHERE erasure.case_number = OLD.object_id"
                   " AND erasure.status = 'done')"),
}
_ERASABLE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT ("
        + _LET_THROUGH["sqlite"] + ") BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF {_LET_THROUGH['postgresql']} THEN RETURN NEW; END IF; "
        "RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation'; END $$",
    ],
}


def let_erasures_blank_audit_details():
    """Open the audit log's one narrow door for erasures (see above); the rest of its guard is unchanged."""
    for sql in _ERASABLE["sqlite" if is_sqlite() else "postgresql"]:
        database.execute_sql(sql)


MODELS = [Erasure]
