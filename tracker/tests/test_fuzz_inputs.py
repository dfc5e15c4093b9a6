"""Whatever a person types into a list's address or a form, the answer is never a 5xx.

Hypothesis drives every list page's query parameters and every form's fields, for each
member of the cast, with generated text, integers and dates: the calendar's edges, numbers
past any database integer, hundreds of digits, unicode, nothing at all. A failure prints the
input that caused it. Bounded (few examples, derandomized) to run in well under a minute.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.tests.factories import OutcomeFactory
from tracker.models import Kind
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

EDGES = [
    "", " ", "0", "-1", "1", "2", "25", "1:30", "24:00", "9" * 400, "9" * 5000 + "h",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809",
    "99999999999999999999", "1e400", "NaN", "inf", "-0", "1.5", "1,5",
    "0001-01-01", "1899-12-31", "1900-01-01", "2026-11-24", "2199-12-31", "2200-01-01",
    "9999-12-31", "10000-01-01", "2026-02-30",
    "0001-W01", "1900-W01", "2026-W48", "2026-W53", "9999-W52", "9999-W53",
    "client", "promotion", "internal", "talk", "custom", "last_week", "this_month",
    "true", "false", "yes", "on", "csv", "xlsx", "json", "html", "text",
    "ünïcödé ✓ 🙂", "<script>alert(1)</script>", "=1+1", "' OR 1=1 --", "%00", "\u202e",
]

VALUE = st.one_of(
    st.sampled_from(EDGES),
    st.integers().map(str),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.text(max_size=30).filter(lambda text: "\x00" not in text),
)

# What a field of each sort is most likely to break on, mixed with anything at all.
DATES = st.one_of(
    st.sampled_from(["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-25", "9999-12-31"]),
    st.dates().map(str),
)
WEEKS = st.one_of(
    st.sampled_from(["0001-W01", "1899-W52", "2200-W01", "9999-W52", "9999-W53"]),
    st.builds("{:04d}-W{:02d}".format, st.integers(1, 9999), st.integers(0, 54)),
)
NUMBERS = st.one_of(
    st.sampled_from(["9" * 400, "9223372036854775807", "99999999999999999999", "-1", "0",
                     "1e400", "-100000000000.01"]),
    st.integers().map(str),
)
DURATIONS = st.one_of(
    st.sampled_from(["9" * 400, "9" * 309 + "h", "1" + "0" * 308 + " min", "24:01"]),
    st.text(alphabet="0123456789:.,hm ", max_size=30),
)


def typed(name: str):
    """The likeliest trouble for a field of that name, or any value."""
    if "week" in name:
        special = WEEKS
    elif "date" in name or name.endswith(("_from", "_to", "_on", "start", "end")):
        special = DATES
    elif "seconds" in name or name.startswith("cell-"):
        special = DURATIONS
    else:
        special = NUMBERS
    return st.one_of(special, special, VALUE)  # the special ones twice as often


FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ROLES = ["consultant", "teammate", "manager", "other_manager", "outsider", "admin"]


@pytest.fixture
def world(cast, settings):
    """Some of everything the pages and forms refer to; DEBUG off, errors as responses."""
    settings.DEBUG = False
    day = dt.date.today() - dt.timedelta(days=1)
    talk = ActivityFactory(consultant=cast.consultant, date=day, audience=100)
    TimeEntryFactory(consultant=cast.consultant, date=day, seconds=3600, kind=Kind.CLIENT,
                     engagement=cast.engagement, billable=True)
    TimeEntryFactory(consultant=cast.consultant, date=day, seconds=1800, kind=Kind.PROMOTION,
                     activity=talk)
    outcome = OutcomeFactory(engagement=cast.engagement)
    return {"cast": cast, "talk": talk, "outcome": outcome}


def as_role(client, world, role):
    client.raise_request_exception = False  # a crash is a 500 we can report with its input
    client.force_login(getattr(world["cast"], role))
    return client


def assert_answered(response, what):
    assert response.status_code < 500, f"{response.status_code} for {what}"


# Every list and page that reads its query string, with the parameters it reads.
PAGES = {
    "/": ["week", "copy"],
    "/time/": ["period", "date_from", "date_to", "kind", "engagement", "client", "billable",
               "consultant", "team", "page", "per_page", "sort", "_export"],
    "/activities/": ["period", "date_from", "date_to", "kind", "consultant", "page",
                     "per_page", "sort", "_export"],
    "/clients/": ["q", "sector", "active", "page", "per_page", "sort", "_export"],
    "/engagements/": ["client", "status", "active_from", "active_to", "member", "sourced_by",
                      "starts_from", "starts_to", "page", "per_page", "sort", "_export"],
    "/outcomes/": ["status", "client", "engagement", "achieved_from", "achieved_to",
                   "verified", "credited_to", "team", "page", "per_page", "sort", "_export"],
    "/reports/balance/": ["period", "start", "end", "team", "consultant", "client",
                          "_export", "table", "c-sort", "t-sort", "e-sort"],
    "/reports/": [],
    "/reports/saved/": [],
    "/digests/preview/": ["week", "user", "part"],
    "/digests/preferences/": [],
    "/time/new/": ["date", "kind", "engagement", "activity", "note", "billable", "seconds",
                   "next"],
    "/time/timer/start/": [],
}


# The inputs the audit found answering 500, always among the examples.
KNOWN_QUERIES = {
    "/": [{"week": "9999-W52"}, {"week": "0001-W01"}],
    "/time/": [{"date_from": "9999-12-31"}, {"date_to": "0001-01-01"},
               {"page": "9999999999999999999"}, {"per_page": "-1"}],
    "/activities/": [{"page": "9999999999999999999"}, {"date_from": "9999-12-31"}],
    "/clients/": [{"per_page": "-1", "page": "3"}],
    "/digests/preview/": [{"week": "9999-W52"}],
    "/reports/balance/": [{"period": "custom", "start": "9999-12-25", "end": "9999-12-31"},
                          {"period": "custom", "start": "0001-01-01", "end": "0001-01-01"}],
}
KNOWN_CHANGES = {
    "/time/new/": [{"seconds": "9" * 308}],
    "/": [{"cell-internal-0-0": "9" * 309 + "h"}],
    "/activities/new/": [{"audience": "9223372036854775807"}],
}


# What a manager reads after a form's post: one person's input must not break the team's page.
READ_BACK = {
    "/activities/new/": ["/activities/", "/reports/balance/?period=custom&start=2026-01-01"
                         "&end=2026-12-31"],
    "/time/new/": ["/time/"],
    "/": ["/time/"],
    "/engagements/new/": ["/engagements/"],
    "/outcomes/new/?engagement={engagement}": ["/outcomes/"],
    "/outcomes/{outcome}/": ["/outcomes/"],
}


def with_known(check, known: list[dict], name: str, **others):
    for case in known:
        for role in ("consultant", "manager"):
            check = example(role=role, **{name: case}, **others)(check)
    return check


def query(names):
    """Some of `names`, each with a generated value."""
    return st.fixed_dictionaries({}, optional={name: typed(name) for name in names})


@pytest.mark.parametrize("path", list(PAGES))
def test_list_and_page_parameters_never_answer_5xx(client, world, path):
    @FUZZ
    @given(role=st.sampled_from(ROLES), params=query(PAGES[path]))
    def check(role, params):
        response = as_role(client, world, role).get(path, params)
        assert_answered(response, f"GET {path} {params!r} as {role}")

    with_known(check, KNOWN_QUERIES.get(path, []), "params")()


def time_entry(world):
    cast = world["cast"]
    return {"date": "2026-11-24", "seconds": "1:30", "kind": "client",
            "engagement": str(cast.engagement.pk), "activity": "", "note": "", "billable": "on"}


def activity(world):
    return {"kind": "talk", "title": "A talk", "date": "2026-11-24", "venue": "", "url": "",
            "audience": "10", "interactions": "0", "leads": "0", "engagement": "", "note": ""}


def grid(world):
    cast = world["cast"]
    cells = {f"cell-internal-0-{day}": "" for day in range(7)}
    cells.update({f"cell-client-{cast.engagement.pk}-{day}": "" for day in range(7)})
    cells.update({f"cell-new1-{day}": "" for day in range(7)})
    return {**cells, "new-row-1": f"promotion-{world['talk'].pk}"}


def client_form(world):
    return {"name": "Acme", "sector": "", "owner": "", "active": "on"}


def engagement(world):
    cast = world["cast"]
    return {"client": str(cast.engagement.client_id), "name": "New", "status": "active",
            "starts_on": "2026-11-01", "ends_on": "", "budget_hours": "100",
            "members": str(cast.consultant.pk), "source_activity": ""}


def outcome(world):
    return {"title": "Faster", "metric": "days", "unit": "", "direction": "decrease",
            "baseline": "30", "target": "10", "evidence_url": "", "evidence_note": ""}


def outcome_card(world):
    """The measurement, status and confirmation forms of an outcome's card."""
    pk = world["outcome"].pk
    return {"record": "measurement", "outcome": str(pk), f"m{pk}-date": "2026-11-02",
            f"m{pk}-value": "12", f"m{pk}-note": "", f"s{pk}-status": "achieved",
            f"s{pk}-achieved_on": "2026-11-02", f"c{pk}-confirmed_by": "CFO",
            f"c{pk}-confirmed_on": "2026-11-03"}


def saved_report(world):
    return {"f-period": "custom", "f-start": "2026-11-01", "f-end": "2026-11-22",
            "f-team": "", "f-consultant": "", "f-client": "", "name": "Monthly",
            "schedule": "", "recipients": ""}


def timer(world):
    return {"timer-kind": "internal", "timer-engagement": "", "timer-activity": "",
            "timer-note": "", "timer-billable": ""}


def preferences(world):
    return {"digest_opt_in": "on", "timezone": "Europe/London"}


def api_token(world):
    return {"name": "laptop script", "expires_in": "30", "expires_on": ""}


FORMS = {
    "/time/new/": time_entry,
    "/activities/new/": activity,
    "/": grid,
    "/clients/new/": client_form,
    "/engagements/new/": engagement,
    "/outcomes/new/?engagement={engagement}": outcome,
    "/outcomes/{outcome}/": outcome_card,
    "/reports/saved/": saved_report,
    "/time/timer/start/": timer,
    "/digests/preferences/": preferences,
    "/accounts/profile/": api_token,
}


@pytest.mark.parametrize("path", list(FORMS))
def test_form_fields_never_answer_5xx(client, world, path):
    valid = FORMS[path](world)
    url = path.format(engagement=world["cast"].engagement.pk, outcome=world["outcome"].pk)
    record = st.sampled_from(["measurement", "status", "confirmation"])

    @FUZZ
    @given(
        role=st.sampled_from(ROLES),
        changes=query(sorted(valid)),
        record=record,
    )
    def check(role, changes, record):
        data = {**valid, **changes}
        if "record" in valid and "record" not in changes:
            data["record"] = record
        response = as_role(client, world, role).post(url, data)
        assert_answered(response, f"POST {url} {changes!r} as {role}")
        for page in READ_BACK.get(path, []):
            response = as_role(client, world, "manager").get(page)
            assert_answered(response, f"GET {page} after POST {url} {changes!r} as {role}")

    with_known(check, KNOWN_CHANGES.get(path, []), "changes", record="measurement")()
