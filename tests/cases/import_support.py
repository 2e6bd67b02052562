"""What the caseload import tests share: a file as the template has it, its upload as a browser sends it, the
preview it leads to, and a manager signed in (tests/cases/test_import.py and test_import_files.py)."""
import csv
import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from kiosk.audit import AuditEvent
from kiosk.cases.importing import CaseloadImport
from kiosk.cases.models import ActionPlanItem, Case, FamilyMember
from kiosk.housekeeping import run_due

from .. import backends
from ..factories import PASSWORD, make_case, make_staff
from ..pages import text

HEADER = ("reference,name,preferred_name,date_of_birth,phone,address,contact_preference,establishment,"
          "sentence_under_four_years,statutory_order,release_date,referral_source,referral_date,consent_date,status,"
          "keyworker,plan_areas,family_name,family_relationship,family_phone,family_consent_date,family_link_agreed")


def caseload(*rows, header=HEADER):
    """A CSV file as the template has it: each row a dict of the columns it fills."""
    columns = header.split(",")
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def upload(client, raw, name="caseload.csv"):
    """The file sent as a browser sends it. Encoded here in memory: the test client's own encoding spools a
    large body to a temporary file that it leaves open when the app answers without reading it."""
    boundary, body = encode_multipart(MultiDict({"file": FileStorage(io.BytesIO(raw), name, "file", "text/csv")}))
    return client.post("/cases/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def preview_of(client, response):
    assert response.status_code == 303, text(response)[:500]
    assert "/columns" not in response.headers["Location"]
    return response.headers["Location"], text(client.get(response.headers["Location"]))


ANN = {"name": "Ann Lee", "date_of_birth": "31/12/1985", "phone": "07700 900123", "address": "2 Clyde St",
       "contact_preference": "Letter", "establishment": "HMP Low Moss", "sentence_under_four_years": "yes",
       "statutory_order": "no", "release_date": "2026-11-02", "referral_source": "Prison social work",
       "referral_date": "01/10/2026", "consent_date": "02/10/2026", "status": "active", "keyworker": "kim",
       "plan_areas": "Accommodation; money_and_benefits; Education, training and employment",
       "family_name": "Jim Lee", "family_relationship": "Brother", "family_phone": "0141 496 0101",
       "family_link_agreed": "yes"}


@pytest.fixture
def manager(auth):
    make_staff("keyworker", "kim", "Kim Worker")
    return auth.login("manager", "boss", name="Morag Boss")
