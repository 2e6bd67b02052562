"""The kiosk's and the phone's English at a reading age of about 9 (US school grade 4), measured with textstat.

Every string a visitor reads is taken from the code as the translators get it (babel.cfg). Readability
formulas need sentences: each string of six words or more is measured on its own, and all of them together
as one text; the short labels of choices (two or three words) are too short to score and are kept to everyday
words by the list below."""
import re
from pathlib import Path

import pytest
import textstat
from babel.messages.extract import extract_from_dir

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("kiosk/**.py", "python"), ("templates/checkin/**.html", "jinja2"), ("templates/ticket/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
GRADE_EACH = 4.5  # a US school grade: about age 9 to 10
GRADE_ALL = 4.0
# Words longer than everyday ones that the service cannot do without, each explained by its place.
SERVICE_WORDS = {"appointment", "information", "benefits", "training", "initials", "alcohol", "family"}


def visitor_strings():
    found = []
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map=METHODS, keywords=KEYWORDS):
        for text in (message if isinstance(message, tuple) else (message,)):
            text = re.sub(r"<[^>]+>", "", text)  # tags around a phone number or a room
            text = re.sub(r"%\((\w+)\)[sd]", "3", text)  # a number, a time, a room: one short word
            found.append(" ".join(text.split()))
    return sorted(set(found))


SENTENCES = [s for s in visitor_strings() if len(s.split()) >= 6]


def test_the_words_are_found():
    assert len(visitor_strings()) > 50 and "Who is your visit for?" in visitor_strings()


@pytest.mark.parametrize("text", SENTENCES)
def test_each_sentence_reads_at_about_age_nine(text):
    assert textstat.flesch_kincaid_grade(text) <= GRADE_EACH, text


def test_all_the_kiosk_s_words_together_read_at_about_age_nine():
    whole = " ".join(s if s.endswith((".", "?", "!")) else s + "." for s in visitor_strings())
    assert textstat.flesch_kincaid_grade(whole) <= GRADE_ALL


def test_short_labels_use_everyday_words():
    long_words = {word.lower() for s in visitor_strings() if len(s.split()) < 6
                  for word in re.findall(r"[A-Za-z]+", s) if textstat.syllable_count(word) >= 3}
    assert long_words <= SERVICE_WORDS, long_words - SERVICE_WORDS
