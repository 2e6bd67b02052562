"""Anonymous daily figures of the drop-in, kept so that reports still count what the purge clears."""
from peewee import CharField, DateField, IntegerField

from ..db import BaseModel
from ..offices.models import office_field


class DailyFigure(BaseModel):
    """One number about one office's drop-in on one local day: `measure` says what it counts and `key` which
    group (a need's code, an hour, a session's start). Never a name, a note, or which person it was."""
    office = office_field("daily_figures")
    day = DateField()
    measure = CharField(max_length=30)
    key = CharField(max_length=60, default="")
    value = IntegerField()

    class Meta:
        indexes = ((("day", "office", "measure", "key"), True),)


MODELS = [DailyFigure]
