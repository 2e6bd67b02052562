"""The offices a test works with: the first office a new install has, and a manager to change it."""
import pytest

from kiosk.offices.models import Office

from ..factories import make_staff


@pytest.fixture
def glasgow(app):
    return Office.get_by_id(1)


@pytest.fixture
def manager(app):
    return make_staff("manager")
