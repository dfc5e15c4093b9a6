"""The moment the page tests run at: Wednesday 25 November 2026, lunchtime in London (the
cast's timezone). The `frozen_time` fixture (tracker/tests/conftest.py) stops the clock there."""

import datetime as dt

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 25)
