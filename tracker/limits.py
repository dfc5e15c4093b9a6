"""The bounds of what a person may type: dates, durations, counts, budgets, outcome figures
and page sizes, defined once.

Forms, filters, the week parser, the duration parser, the paginators and the models'
validators all use these, so no typed value can overflow a date library (9999-12-31 plus a
week), a sum (an audience of 2**63 summed with another) or the database (OFFSET 10**19).
Each bound is far beyond any real value and comes with a plain message.
"""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator

# Dates: wide enough for any record or plan, narrow enough that a week or a quarter around
# any of them is still a date.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
DATE_RANGE_MESSAGE = "Enter a date between 1 Jan 1900 and 31 Dec 2199."

SECONDS_PER_DAY = 24 * 60 * 60
MAX_ENTRY_SECONDS = SECONDS_PER_DAY  # one entry; a day's entries together: the same (rules.py)
MAX_DURATION_CHARS = 20  # "23 hours 59 minutes" fits; a longer text is no duration

MAX_AUDIENCE = 1_000_000_000  # a billion people reached, or interactions, by one activity
MAX_LEADS = 1_000_000
MAX_BUDGET_HOURS = 1_000_000  # some 500 person-years
# Outcome baselines, targets and measurements (a count, a sum of money, a percentage):
# a hundred billion either way, within what the column holds (14 digits, 2 after the point).
MAX_OUTCOME_VALUE = 100_000_000_000

# An API token lives at most ten years (the profile page and `api_token create --expires`).
MAX_API_TOKEN_DAYS = 3650

MAX_PER_PAGE = 100  # rows on one page of a list, whatever ?per_page= asks
# The last page of a list not counted (the history): 200 pages of 50 rows; deeper, filter it.
MAX_LAZY_PAGE = 200


def date_in_range(day: dt.date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


DATE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, DATE_RANGE_MESSAGE),
    MaxValueValidator(LATEST_DATE, DATE_RANGE_MESSAGE),
]


def at_most(limit, what: str) -> list:
    """A count or amount from 0 to `limit`, with a plain message."""
    message = f"Enter {what} from 0 to {limit:,}."
    return [MinValueValidator(0, message), MaxValueValidator(limit, message)]


def within(limit, what: str) -> list:
    """A figure from -limit to limit (an outcome may count down), with a plain message."""
    message = f"Enter {what} between -{limit:,} and {limit:,}."
    return [MinValueValidator(-limit, message), MaxValueValidator(limit, message)]
