import pytest
import time_machine

from .clock import NOW


@pytest.fixture
def frozen_time():
    """The clock stopped at NOW; the traveller moves it (shift, move_to)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller
