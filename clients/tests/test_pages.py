"""Pages for clients, engagements and outcomes: who may open what, bad input, flat query
counts, and exports that neither leak nor run formulas."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.test import Client as DjangoClient
from django.urls import reverse

from clients.models import Client, Engagement, Outcome, OutcomeMeasurement
from clients.tests.factories import (
    ClientFactory,
    EngagementFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
    confirmed_by_client,
)
from tracker.models import Kind
from tracker.tests.factories import TimeEntryFactory, UserFactory

pytestmark = pytest.mark.django_db

# 10:00 in London on Wednesday 4 November 2026; alice and the others live in Europe/London.
NOW = dt.datetime(2026, 11, 4, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 4)


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(cast):
    """Alice's engagement with an outcome, two readings and her client time; and Olga's
    engagement (another team) with an outcome of its own."""
    engagement = cast.engagement
    outcome = OutcomeFactory(
        engagement=engagement, title="Faster refunds", metric="Refund time", unit="days",
        direction=Outcome.Direction.DECREASE, baseline=Decimal("30"), target=Decimal("10"),
    )
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1), value=Decimal("25"))
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 2), value=Decimal("20"))
    TimeEntryFactory(
        consultant=cast.consultant, kind=Kind.CLIENT, engagement=engagement, seconds=5 * 3600
    )
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.INTERNAL, seconds=3600)
    other = EngagementFactory(name="Hospital wards", members=[cast.outsider])
    other_outcome = OutcomeFactory(engagement=other, title="Shorter waits")
    return {
        "engagement": engagement,
        "outcome": outcome,
        "other_engagement": other,
        "other_outcome": other_outcome,
    }


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


def person(cast, role):
    return getattr(cast, role)


def achieved(outcome, on=dt.date(2026, 11, 1)):
    """The outcome, marked achieved on `on`: only then can the client confirm it."""
    Outcome.objects.filter(pk=outcome.pk).update(status=Outcome.Status.ACHIEVED, achieved_on=on)
    outcome.refresh_from_db()
    return outcome


def errors_of(response, form_name):
    for context in response.context:
        if form_name in context:
            return context[form_name].errors
    raise AssertionError(f"no {form_name} in the context")


# --- who may open what ---------------------------------------------------------------------

# The fixed cast: the member, a teammate who is not on the engagement, the member's manager,
# another team's manager, an admin.
SEES_ALICES = {
    "consultant": 200, "teammate": 404, "manager": 200, "other_manager": 404, "admin": 200,
}
MANAGES_ALICES = {
    "consultant": 404, "teammate": 404, "manager": 200, "other_manager": 404, "admin": 200,
}
ADMIN_ONLY = {
    "consultant": 404, "teammate": 404, "manager": 404, "other_manager": 404, "admin": 200,
}

PAGES = [
    ("engagement detail", lambda w: f"/engagements/{w['engagement'].pk}/", SEES_ALICES),
    ("engagement edit", lambda w: f"/engagements/{w['engagement'].pk}/edit/", MANAGES_ALICES),
    ("outcome detail", lambda w: f"/outcomes/{w['outcome'].pk}/", SEES_ALICES),
    ("outcome edit", lambda w: f"/outcomes/{w['outcome'].pk}/edit/", SEES_ALICES),
    ("new outcome", lambda w: f"/outcomes/new/?engagement={w['engagement'].pk}", SEES_ALICES),
    ("client detail", lambda w: f"/clients/{w['engagement'].client_id}/", SEES_ALICES),
    ("client edit", lambda w: f"/clients/{w['engagement'].client_id}/edit/", ADMIN_ONLY),
    ("new client", lambda w: "/clients/new/", ADMIN_ONLY),
    (
        "new engagement", lambda w: "/engagements/new/",
        {**MANAGES_ALICES, "other_manager": 200},
    ),
]


@pytest.mark.parametrize("role", list(SEES_ALICES))
@pytest.mark.parametrize("name,url,expected", PAGES, ids=[page[0] for page in PAGES])
def test_who_may_open_each_page(cast, world, as_user, role, name, url, expected):
    response = as_user(person(cast, role)).get(url(world))
    assert response.status_code == expected[role]


@pytest.mark.parametrize(
    "url",
    [
        "/clients/", "/engagements/", "/outcomes/", "/clients/new/", "/engagements/new/",
        "/outcomes/new/?engagement=1", "/engagements/1/", "/outcomes/1/", "/clients/1/",
        "/outcomes/?_export=csv",
    ],
)
def test_anonymous_people_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_posts_change_nothing(client, world):
    outcome = world["outcome"]
    response = client.post(reverse("clients:outcome_detail", args=[outcome.pk]), {
        "record": "measurement", f"m{outcome.pk}-date": "2026-11-03",
        f"m{outcome.pk}-value": "15",
    })
    assert response.status_code == 302
    assert outcome.measurements.count() == 2


def test_every_page_has_a_title(cast, world, as_user):
    root = as_user(cast.admin)
    for _, url, _ in PAGES:
        body = root.get(url(world)).content.decode()
        title = body.split("<title>")[1].split("</title>")[0]
        assert title.strip() and title.strip() != "ClientFirst · ClientFirst"
    for url in ["/clients/", "/engagements/", "/outcomes/"]:
        assert "<title>" in root.get(url).content.decode()


def test_outcome_without_engagement_or_with_bad_id_is_404(cast, world, as_user):
    alice = as_user(cast.consultant)
    assert alice.get("/outcomes/new/").status_code == 404
    assert alice.get("/outcomes/new/?engagement=abc").status_code == 404
    other = world["other_engagement"].pk
    assert alice.get(f"/outcomes/new/?engagement={other}").status_code == 404


RECORDS = {
    "measurement": {"date": "2026-11-03", "value": "15"},
    "status": {"status": "achieved", "achieved_on": "2026-11-03"},
    "confirmation": {"confirmed_by": "Jane Roe, CFO", "confirmed_on": "2026-11-03"},
}


@pytest.mark.parametrize("page", ["outcome", "engagement"])
@pytest.mark.parametrize("record", list(RECORDS))
@pytest.mark.parametrize("role", list(SEES_ALICES))
def test_who_may_record_on_an_outcome(cast, world, as_user, role, record, page):
    outcome = world["outcome"]
    if record == "confirmation":
        achieved(outcome)
    status_before = outcome.status
    response = _post(as_user(person(cast, role)), outcome, record, RECORDS[record], page=page)
    outcome.refresh_from_db()
    if SEES_ALICES[role] == 404:
        assert response.status_code == 404
        assert outcome.measurements.count() == 2
        assert outcome.status == status_before
        assert outcome.confirmed_on is None
    else:
        assert response.status_code == 302
        assert response["Location"] == {
            "outcome": f"/outcomes/{outcome.pk}/",
            "engagement": f"/engagements/{outcome.engagement_id}/#outcome-{outcome.pk}",
        }[page]
        if record == "measurement":
            latest = outcome.measurements.order_by("-date", "-pk").first()
            assert latest.value == Decimal("15")
            assert latest.recorded_by == person(cast, role)
        elif record == "status":
            assert outcome.status == Outcome.Status.ACHIEVED
            assert outcome.recorded_by == person(cast, role)
        else:
            assert (outcome.confirmed_by, outcome.confirmed_on) == (
                "Jane Roe, CFO", dt.date(2026, 11, 3)
            )


def test_the_former_recording_addresses_are_gone(cast, world, as_user):
    """The card's forms post to their own page; the addresses they posted to before
    (kept for a page left open across an upgrade) are gone, and change nothing."""
    outcome = world["outcome"]
    alice = as_user(cast.consultant)
    for address in ["measurements", "status", "confirmation"]:
        assert alice.get(f"/outcomes/{outcome.pk}/{address}/").status_code == 404
        post = {f"m{outcome.pk}-date": "2026-11-03", f"m{outcome.pk}-value": "15",
                "return_to": "engagement"}
        assert alice.post(f"/outcomes/{outcome.pk}/{address}/", post).status_code == 404
    assert outcome.measurements.count() == 2


def test_a_page_records_only_on_its_own_outcomes(cast, world, as_user):
    alice = as_user(cast.consultant)
    elsewhere = OutcomeFactory(
        engagement=EngagementFactory(name="Phase 2", members=[cast.consultant])
    )
    post = {"record": "measurement", f"m{elsewhere.pk}-date": "2026-11-03",
            f"m{elsewhere.pk}-value": "15"}
    engagement_page = f"/engagements/{cast.engagement.pk}/"
    for outcome in [elsewhere.pk, world["other_outcome"].pk, "", "abc"]:
        assert alice.post(engagement_page, {**post, "outcome": outcome}).status_code == 404
    assert not elsewhere.measurements.exists()
    for record in ["", "delete"]:
        bad = alice.post(f"/outcomes/{world['outcome'].pk}/", {"record": record})
        assert bad.status_code == 400


# --- lists and exports respect visibility ------------------------------------------------

LISTS = ["/clients/", "/engagements/", "/outcomes/"]


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("query", "filename"),
    [
        ("/outcomes/?achieved_from=2026-10-01&achieved_to=2026-10-31",
         "outcomes_2026-10-01_2026-10-31"),
        ("/engagements/?active_from=2026-11-02", "engagements_from_2026-11-02"),
        ("/clients/?active=true", "clients"),
    ],
)
def test_list_exports_are_named_with_their_period(cast, as_user, query, filename):
    response = as_user(cast.manager).get(f"{query}&_export=xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="{filename}.xlsx"'


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role", list(SEES_ALICES))
def test_lists_and_exports_show_only_what_one_may_see(cast, world, as_user, role, url):
    session = as_user(person(cast, role))
    marker = {
        "/clients/": world["engagement"].client.name,
        "/engagements/": "Tax portal",
        "/outcomes/": "Faster refunds",
    }[url]
    others = {
        "/clients/": world["other_engagement"].client.name,
        "/engagements/": "Hospital wards",
        "/outcomes/": "Shorter waits",
    }[url]
    page = session.get(url).content.decode()
    exported = session.get(url + "?_export=csv")
    assert exported["Content-Type"].startswith("text/csv")
    cells = {cell for row in _csv_rows(exported) for cell in row}
    sees_alices = SEES_ALICES[role] == 200
    assert (marker in page) is sees_alices
    assert (marker in cells) is sees_alices
    sees_olgas = role in {"other_manager", "admin"}
    assert (others in page) is sees_olgas
    assert (others in cells) is sees_olgas


def test_client_detail_lists_only_visible_engagements_and_their_outcomes(cast, world, as_user):
    client = world["engagement"].client
    hidden = EngagementFactory(client=client, name="Secret pilot", members=[cast.outsider])
    OutcomeFactory(engagement=hidden, status=Outcome.Status.ACHIEVED,
                   achieved_on=dt.date(2026, 10, 1))
    alice_page = as_user(cast.consultant).get(f"/clients/{client.pk}/").content.decode()
    assert "Tax portal" in alice_page and "Secret pilot" not in alice_page
    assert "0 achieved of 1" in alice_page
    root_page = as_user(cast.admin).get(f"/clients/{client.pk}/").content.decode()
    assert "Secret pilot" in root_page and "1 achieved of 2" in root_page


def test_client_list_counts_engagements_and_outcomes(cast, world, as_user):
    OutcomeFactory(engagement=cast.engagement, status=Outcome.Status.ACHIEVED,
                   achieved_on=dt.date(2026, 10, 1))
    EngagementFactory(client=cast.engagement.client, name="Phase 2", members=[cast.consultant])
    rows = _csv_rows(as_user(cast.consultant).get("/clients/?_export=csv"))
    assert rows[0] == [
        "Name", "Sector", "Active", "Engagements", "Outcomes achieved", "Outcomes total"
    ]
    assert rows[1][3:] == ["2", "1", "2"]


def test_client_list_filters(cast, world, as_user):
    ClientFactory(name="Dormant Ltd", sector="Retail", active=False, owner=cast.consultant)
    alice = as_user(cast.consultant)
    assert "Dormant Ltd" in alice.get("/clients/?q=dorm").content.decode()
    assert "Dormant Ltd" not in alice.get("/clients/?active=true").content.decode()
    assert "Dormant Ltd" in alice.get("/clients/?sector=retail&active=false").content.decode()
    assert "Dormant Ltd" not in alice.get("/clients/?sector=public").content.decode()


def test_engagement_list_shows_hours_burn_and_outcomes(cast, world, as_user):
    rows = _csv_rows(as_user(cast.consultant).get("/engagements/?_export=csv"))
    assert rows[0] == [
        "Client", "Engagement", "Starts", "Ends", "Status", "Budget (h)", "Logged (h)",
        "Burn %", "Outcomes achieved", "Outcomes total",
    ]
    # 5 h of client time against a 200 h budget; the internal hour does not count. A burn of
    # 2.5% is 3, as the page writes it ("3%"): whole percent, rounded half up.
    assert rows[1][1:] == [
        "Tax portal", "2026-01-01", "", "Active", "200.0", "5.0", "3", "0", "1"
    ]


def test_engagement_list_filters(cast, world, as_user):
    EngagementFactory(name="Old audit", members=[cast.consultant],
                      starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 6, 30),
                      status=Engagement.Status.CLOSED)
    maria = as_user(cast.manager)

    def names(query):
        rows = _csv_rows(maria.get(f"/engagements/?{query}&_export=csv"))
        return sorted(row[1] for row in rows[1:])

    assert names("") == ["Old audit", "Tax portal"]
    assert names("status=closed") == ["Old audit"]
    assert names("active_from=2025-03-01&active_to=2025-03-01") == ["Old audit"]
    assert names("active_from=2026-02-01") == ["Tax portal"]
    assert names(f"client={cast.engagement.client_id}") == ["Tax portal"]
    assert names(f"member={cast.consultant.pk}") == ["Old audit", "Tax portal"]
    assert names(f"member={cast.teammate.pk}") == []


@pytest.mark.parametrize(("path", "field"), [
    ("/engagements/", "active_from"), ("/engagements/", "starts_to"),
    ("/outcomes/", "achieved_from"), ("/outcomes/", "achieved_to"),
])
def test_a_date_filter_outside_1900_to_2199_says_so_next_to_the_field(
    cast, world, as_user, path, field
):
    maria = as_user(cast.manager)
    for value in ("9999-12-31", "0001-01-01"):
        response = maria.get(path, {field: value})
        assert response.status_code == 200
        assert response.context["filter"].form.errors[field] == [
            "Enter a date between 1 Jan 1900 and 31 Dec 2199."
        ]


def test_member_filter_is_for_managers_and_offers_only_their_people(cast, world, as_user):
    alice_page = as_user(cast.consultant).get("/engagements/")
    # Only herself to choose: no menu, but ?member= still answers for her own id.
    assert alice_page.context["filter"].form.fields["member"].widget.is_hidden
    maria_page = as_user(cast.manager).get("/engagements/")
    offered = set(maria_page.context["filter"].form.fields["member"].queryset)
    assert offered == {cast.consultant, cast.teammate, cast.manager}
    # Someone outside maria's teams is not hers to name.
    response = as_user(cast.manager).get(f"/engagements/?member={cast.outsider.pk}")
    assert response.status_code == 404


def test_people_are_offered_in_the_order_of_the_names_shown(cast, world, as_user):
    # Usernames in another order than the names shown; one without a name shows its username.
    UserFactory(username="aaron", first_name="Zoe", last_name="Young", team=cast.team)
    UserFactory(username="zed", first_name="adam", last_name="Ant", team=cast.team)
    UserFactory(username="carol", first_name="", last_name="", team=cast.team)
    shown = ["adam Ant", "Alice Tester", "Bob Tester", "carol", "Maria Tester", "Zoe Young"]
    maria = as_user(cast.manager)

    def options(url, name):
        select = re.search(rf'<select name="{name}".*?</select>', maria.get(url).content.decode(),
                           re.S).group()
        return re.findall(r'<option value="\d+">([^<]*)</option>', select)

    assert options("/engagements/", "member") == shown
    assert options("/engagements/", "sourced_by") == shown
    assert options("/outcomes/", "credited_to") == shown
    members = maria.get("/engagements/new/").context["form"].fields["members"].queryset
    assert [str(person) for person in members] == shown


def test_filter_choices_never_name_other_peoples_clients(cast, world, as_user):
    page = as_user(cast.consultant).get("/outcomes/").content.decode()
    assert world["other_engagement"].client.name not in page
    assert "Hospital wards" not in page


# Every filter that names a client, an engagement, a person or a team: one out of reach
# answers 404, on the page and in its exports alike, as /time/ does.
OUT_OF_REACH = [
    ("consultant", "/engagements/", "client", "other_client"),
    ("consultant", "/engagements/", "member", "teammate"),
    ("consultant", "/engagements/", "sourced_by", "outsider"),
    ("manager", "/engagements/", "client", "other_client"),
    ("manager", "/engagements/", "member", "outsider"),
    ("manager", "/engagements/", "sourced_by", "outsider"),
    ("other_manager", "/engagements/", "client", "client"),
    ("consultant", "/engagements/", "client", "not an id"),
    ("consultant", "/outcomes/", "engagement", "other_engagement"),
    ("consultant", "/outcomes/", "client", "other_client"),
    ("consultant", "/outcomes/", "credited_to", "teammate"),
    ("consultant", "/outcomes/", "team", "team"),
    ("manager", "/outcomes/", "engagement", "other_engagement"),
    ("manager", "/outcomes/", "client", "other_client"),
    ("manager", "/outcomes/", "credited_to", "outsider"),
    ("manager", "/outcomes/", "team", "other_team"),
    ("other_manager", "/outcomes/", "engagement", "engagement"),
    ("consultant", "/outcomes/", "engagement", "not an id"),
]
WITHIN_REACH = [
    ("consultant", "/engagements/", "member", "consultant", "Tax portal"),
    ("consultant", "/engagements/", "client", "client", "Tax portal"),
    ("manager", "/engagements/", "member", "consultant", "Tax portal"),
    ("other_manager", "/engagements/", "client", "other_client", "Hospital wards"),
    ("consultant", "/outcomes/", "credited_to", "consultant", "Faster refunds"),
    ("consultant", "/outcomes/", "engagement", "engagement", "Faster refunds"),
    ("manager", "/outcomes/", "team", "team", "Faster refunds"),
    ("manager", "/outcomes/", "engagement", "engagement", "Faster refunds"),
    ("other_manager", "/outcomes/", "engagement", "other_engagement", "Shorter waits"),
    ("admin", "/outcomes/", "client", "other_client", "Shorter waits"),
]


def _named(cast, world, name):
    return {
        "client": world["engagement"].client_id,
        "other_client": world["other_engagement"].client_id,
        "engagement": world["engagement"].pk,
        "other_engagement": world["other_engagement"].pk,
        "team": cast.team.pk,
        "other_team": cast.other_team.pk,
        "consultant": cast.consultant.pk,
        "teammate": cast.teammate.pk,
        "outsider": cast.outsider.pk,
        "not an id": "abc",
    }[name]


@pytest.mark.parametrize("export", ["", "&_export=csv", "&_export=xlsx"])
@pytest.mark.parametrize(
    "role,url,name,value", OUT_OF_REACH, ids=["-".join(case) for case in OUT_OF_REACH]
)
def test_list_filters_naming_what_is_out_of_reach_are_404(
    cast, world, as_user, role, url, name, value, export
):
    response = as_user(person(cast, role)).get(
        f"{url}?{name}={_named(cast, world, value)}{export}"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "role,url,name,value,listed", WITHIN_REACH,
    ids=["-".join(case[:4]) for case in WITHIN_REACH],
)
def test_list_filters_naming_what_is_within_reach_still_filter(
    cast, world, as_user, role, url, name, value, listed
):
    session = as_user(person(cast, role))
    query = f"{url}?{name}={_named(cast, world, value)}"
    assert listed in session.get(query).content.decode()
    rows = _csv_rows(session.get(query + "&_export=csv"))
    assert listed in {cell for row in rows for cell in row}


def test_outcome_list_filters(cast, world, as_user):
    achieved = OutcomeFactory(
        engagement=cast.engagement, title="Happier staff", status=Outcome.Status.ACHIEVED,
        achieved_on=dt.date(2026, 10, 15), confirmed_by="Jane Roe",
        confirmed_on=dt.date(2026, 10, 20),
    )
    confirmed_by_client(achieved)  # verified: its client's contact said so
    alice = as_user(cast.consultant)

    def titles(query):
        rows = _csv_rows(alice.get(f"/outcomes/?{query}&_export=csv"))
        return sorted(row[0] for row in rows[1:])

    assert titles("") == ["Faster refunds", "Happier staff"]
    assert titles("status=achieved") == ["Happier staff"]
    assert titles("verified=yes") == ["Happier staff"]
    assert titles("verified=no") == ["Faster refunds"]
    assert titles("achieved_from=2026-10-01&achieved_to=2026-10-31") == ["Happier staff"]
    assert titles("achieved_from=2026-11-01") == []
    assert titles(f"engagement={cast.engagement.pk}") == ["Faster refunds", "Happier staff"]
    assert titles(f"client={cast.engagement.client_id}") == ["Faster refunds", "Happier staff"]
    assert achieved.pk


@pytest.mark.parametrize("url,start,end,day", [
    ("/engagements/", "active_from", "active_to", "2026-10-01"),
    ("/engagements/", "starts_from", "starts_to", "2026-01-01"),
    ("/outcomes/", "achieved_from", "achieved_to", "2026-10-01"),
])
def test_a_period_that_ends_before_it_starts_is_refused(
    cast, world, as_user, url, start, end, day
):
    achieved(world["outcome"], on=dt.date(2026, 10, 1))
    alice = as_user(cast.consultant)
    query = f"{url}?{start}=2026-12-01&{end}=2026-09-01"
    response = alice.get(query)
    # As on /time/: the message next to the "to" date, what was typed kept, no rows.
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{end}_error">This is before the From date.</div>' in page
    assert f'aria-describedby="id_{end}_error"' in page
    assert 'value="2026-12-01"' in page and 'value="2026-09-01"' in page
    assert response.context["table"].paginator.count == 0
    assert _csv_rows(alice.get(f"{query}&_export=csv"))[1:] == []
    # The same day at both ends is a period.
    same_day = alice.get(f"{url}?{start}={day}&{end}={day}")
    assert not same_day.context["filter"].form.errors
    assert same_day.context["table"].paginator.count == 1


def test_outcome_export_tells_the_confirmation_date_from_the_confirmer(cast, world, as_user):
    Outcome.objects.filter(pk=world["outcome"].pk).update(
        status=Outcome.Status.ACHIEVED, achieved_on=dt.date(2026, 10, 15),
        confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 10, 20),
    )
    alice = as_user(cast.consultant)
    rows = _csv_rows(alice.get("/outcomes/?_export=csv"))
    values = dict(zip(rows[0], rows[1], strict=True))
    # Typed in by the firm: reported, not the client's answer (docs/confirmations.md).
    assert (values["Reported confirmed on"], values["Reported confirmed by"],
            values["Client's answer"]) == ("2026-10-20", "Jane Roe, CFO", "")
    sheet = openpyxl.load_workbook(
        io.BytesIO(alice.get("/outcomes/?_export=xlsx").content)
    ).active
    header = [cell.value for cell in sheet[1]]
    assert header.count("Reported confirmed on") == 1 and "Reported confirmed by" in header
    assert "Client's answer" in header


def test_outcome_list_shows_actual_and_progress_respecting_direction(cast, world, as_user):
    rows = _csv_rows(as_user(cast.consultant).get("/outcomes/?_export=csv"))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    # Decrease from 30 toward 10; the latest reading is 20: half way.
    assert Decimal(values["Actual"]) == 20
    assert values["Progress %"] == "50"
    assert values["Direction"] == "Decrease"


def test_lists_sort_by_computed_columns(cast, world, as_user):
    EngagementFactory(name="Big burn", members=[cast.consultant], budget_hours=Decimal("2"))
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT,
                     engagement=Engagement.objects.get(name="Big burn"), seconds=3 * 3600)
    alice = as_user(cast.consultant)
    for sort in ["burn", "-burn", "logged_hours", "outcomes", "-client"]:
        assert alice.get(f"/engagements/?sort={sort}").status_code == 200
    rows = _csv_rows(alice.get("/engagements/?sort=-burn&_export=csv"))
    assert rows[1][1] == "Big burn"
    for sort in ["progress", "-progress", "actual_value", "client", "engagement"]:
        assert alice.get(f"/outcomes/?sort={sort}").status_code == 200
    for sort in ["engagements_count", "outcomes", "-name"]:
        assert alice.get(f"/clients/?sort={sort}").status_code == 200


# --- exports: formulas neutralised, numbers kept -------------------------------------------

EVIL = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("url,column", [
    ("/clients/", "Name"), ("/engagements/", "Client"), ("/outcomes/", "Client"),
])
def test_csv_export_neutralises_formulas(cast, world, as_user, url, column):
    Client.objects.filter(pk=cast.engagement.client_id).update(name=EVIL)
    rows = _csv_rows(as_user(cast.consultant).get(url + "?_export=csv"))
    index = rows[0].index(column)
    assert rows[1][index] == "'" + EVIL
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_export_neutralises_every_trigger(cast, world, as_user):
    Outcome.objects.filter(pk=world["outcome"].pk).update(metric="+SUM(A1)",
                                                          unit="@ppl", title="-1 bugs")
    rows = _csv_rows(as_user(cast.consultant).get("/outcomes/?_export=csv"))
    values = dict(zip(rows[0], rows[1], strict=True))
    assert (values["Outcome"], values["Metric"], values["Unit"]) == (
        "'-1 bugs", "'+SUM(A1)", "'@ppl"
    )


def _xlsx_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_xlsx_exports_keep_numbers_as_numbers(cast, world, as_user):
    Client.objects.filter(pk=cast.engagement.client_id).update(name=EVIL)
    alice = as_user(cast.consultant)
    engagements = alice.get("/engagements/?_export=xlsx")
    assert engagements["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    (row,) = _xlsx_rows(engagements)
    assert row["Client"] == EVIL  # a text cell: exactly as typed, never run as a formula
    assert isinstance(row["Budget (h)"], int | float) and row["Budget (h)"] == 200
    assert isinstance(row["Logged (h)"], int | float) and row["Logged (h)"] == 5.0
    assert row["Burn %"] == 3
    assert row["Outcomes total"] == 1 and row["Outcomes achieved"] == 0
    assert isinstance(row["Starts"], dt.date | dt.datetime)

    (outcome,) = _xlsx_rows(alice.get("/outcomes/?_export=xlsx"))
    assert outcome["Baseline"] == 30 and outcome["Target"] == 10 and outcome["Actual"] == 20
    assert outcome["Progress %"] == 50

    (client,) = _xlsx_rows(alice.get("/clients/?_export=xlsx"))
    assert client["Engagements"] == 1 and client["Outcomes total"] == 1


def test_outcome_figures_are_exported_as_plain_numbers(cast, world, as_user):
    """One way for every outcome figure: no trailing zeros, whatever the database returns."""
    Outcome.objects.filter(pk=world["outcome"].pk).update(
        baseline=Decimal("4571.00"), target=Decimal("1000.50")
    )
    OutcomeMeasurementFactory(outcome=world["outcome"], date=dt.date(2026, 11, 3),
                              value=Decimal("2475.00"))
    alice = as_user(cast.consultant)
    rows = _csv_rows(alice.get("/outcomes/?_export=csv"))
    values = dict(zip(rows[0], rows[1], strict=True))
    assert (values["Baseline"], values["Target"], values["Actual"]) == ("4571", "1000.5", "2475")
    (row,) = _xlsx_rows(alice.get("/outcomes/?_export=xlsx"))
    assert (row["Baseline"], row["Target"], row["Actual"]) == (4571, 1000.5, 2475)
    assert all(isinstance(row[name], int | float) for name in ("Baseline", "Target", "Actual"))


def test_outcome_figures_are_shown_one_way_on_every_page(cast, world, as_user):
    outcome = world["outcome"]
    Outcome.objects.filter(pk=outcome.pk).update(
        unit="cases", baseline=Decimal("4571.00"), target=Decimal("1000.50")
    )
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 3),
                              value=Decimal("2100.00"))
    alice = as_user(cast.consultant)
    pages = [f"/outcomes/{outcome.pk}/", f"/engagements/{cast.engagement.pk}/", "/outcomes/",
             f"/outcomes/{outcome.pk}/edit/"]
    for url in pages:
        page = alice.get(url).content.decode()
        assert not re.search(r"\b(4571|1000\.5|2100)\.?0+\b", page), url
    detail = alice.get(f"/outcomes/{outcome.pk}/").content.decode()
    assert f'id="actual-{outcome.pk}">2100 cases' in detail
    assert "4571 → 1000.5" in detail
    assert '<td class="text-end">2100</td>' in detail
    edit = alice.get(f"/outcomes/{outcome.pk}/edit/").content.decode()
    assert 'value="4571"' in edit and 'value="1000.5"' in edit


def test_negative_numbers_are_not_mistaken_for_formulas(cast, world, as_user):
    OutcomeMeasurementFactory(outcome=world["outcome"], date=dt.date(2026, 11, 3),
                              value=Decimal("45"))  # worse than the baseline
    (row,) = _xlsx_rows(as_user(cast.consultant).get("/outcomes/?_export=xlsx"))
    assert row["Progress %"] == -75.0


def test_export_holds_every_filtered_row_not_one_page(cast, as_user):
    for n in range(30):
        EngagementFactory(name=f"Sprint {n:02d}", members=[cast.consultant])
    rows = _csv_rows(as_user(cast.consultant).get("/engagements/?page=2&_export=csv"))
    assert len(rows) == 1 + 31


# --- query counts stay flat ------------------------------------------------------------------


def _many(cast, count):
    """`count` engagements alice is on, each with its client, an outcome, readings, time."""
    for n in range(count):
        engagement = EngagementFactory(name=f"Engagement {n}", members=[cast.consultant])
        outcome = OutcomeFactory(engagement=engagement, title=f"Outcome {n}")
        OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1))
        OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 1))
        TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=engagement)


# The same bound at 1 and at 100 rows (a manager's outcome list renders the most menus).
LIST_QUERIES = 9


@pytest.mark.parametrize("rows", [1, 100])
@pytest.mark.parametrize("url", [
    "/clients/?per_page=100", "/engagements/?per_page=100", "/outcomes/?per_page=100",
    "/clients/?_export=csv", "/engagements/?_export=xlsx", "/outcomes/?_export=csv",
    "/engagements/?per_page=100&sort=-burn&status=active&active_from=2026-01-01",
    "/outcomes/?per_page=100&sort=progress&verified=no",
])
@pytest.mark.parametrize("role", ["consultant", "manager", "admin"])
def test_list_queries_do_not_grow_with_rows(
    cast, as_user, django_assert_max_num_queries, rows, url, role
):
    # cast.engagement is one of the rows; add the rest.
    OutcomeFactory(engagement=cast.engagement)
    _many(cast, rows - 1)
    session = as_user(person(cast, role))
    with django_assert_max_num_queries(LIST_QUERIES):
        response = session.get(url)
    assert response.status_code == 200
    if "_export" not in url:
        assert response.context["table"].paginator.count == rows


@pytest.mark.parametrize("outcomes", [1, 30])
def test_engagement_page_queries_do_not_grow_with_outcomes(
    cast, as_user, django_assert_max_num_queries, outcomes
):
    for n in range(outcomes):
        outcome = OutcomeFactory(engagement=cast.engagement, title=f"Outcome {n}")
        OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 10, 1))
        OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 1))
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement)
    session = as_user(cast.manager)
    # One query of each is the page's history (the records of the engagement, or of the
    # outcome and its readings), whatever their number.
    with django_assert_max_num_queries(10):
        assert session.get(f"/engagements/{cast.engagement.pk}/").status_code == 200
    outcome = cast.engagement.outcomes.first()
    # And its requests to the client, and the client's contacts to ask (docs/confirmations.md).
    with django_assert_max_num_queries(8):
        assert session.get(f"/outcomes/{outcome.pk}/").status_code == 200


# --- the engagement page -------------------------------------------------------------------


def test_engagement_page_shows_budget_members_outcomes_and_chart(cast, world, as_user):
    TimeEntryFactory(consultant=cast.teammate, kind=Kind.CLIENT, engagement=cast.engagement,
                     seconds=3 * 3600)
    cast.engagement.members.add(cast.teammate)
    Outcome.objects.filter(pk=world["outcome"].pk).update(
        evidence_url="https://example.test/refunds", evidence_note="Dashboard export",
        status=Outcome.Status.ACHIEVED, achieved_on=dt.date(2026, 11, 2),
        confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 11, 3),
    )
    response = as_user(cast.manager).get(f"/engagements/{cast.engagement.pk}/")
    page = response.content.decode()
    assert "8.00 h</strong> logged of 200.00 h budgeted" in page
    assert 'aria-valuenow="4"' in page  # burn 4% (8 of 200 h)
    assert "Alice Tester" in page and "Bob Tester" in page
    # Latest actual (20 days on 2 Nov), progress 50% toward a decrease target.
    outcome = world["outcome"]
    assert f'id="actual-{outcome.pk}">20 days' in page
    assert "50%" in page
    assert '<svg class="sparkline"' in page and "<polyline" in page
    assert "25 days on 1 Oct 2026; 20 days on 2 Nov 2026" in page
    assert 'href="https://example.test/refunds"' in page and "Dashboard export" in page
    assert "Reported by the consultant: Jane Roe, CFO on 3 Nov 2026 (not verified)" in page


def test_hours_by_member_hide_the_time_of_people_one_may_not_see(cast, world, as_user):
    cast.engagement.members.add(cast.outsider)
    TimeEntryFactory(consultant=cast.outsider, kind=Kind.CLIENT, engagement=cast.engagement,
                     seconds=2 * 3600)
    alice = as_user(cast.consultant).get(f"/engagements/{cast.engagement.pk}/")
    rows = [(row["person"], row["seconds"]) for row in alice.context["hours_rows"]]
    assert rows == [(cast.consultant, 5 * 3600)]
    assert alice.context["other_seconds"] == 2 * 3600
    root = as_user(cast.admin).get(f"/engagements/{cast.engagement.pk}/")
    assert {row["person"] for row in root.context["hours_rows"]} == {
        cast.consultant, cast.outsider
    }
    assert root.context["other_seconds"] == 0


def test_engagement_without_budget_has_no_burn(cast, as_user):
    Engagement.objects.filter(pk=cast.engagement.pk).update(budget_hours=None)
    response = as_user(cast.consultant).get(f"/engagements/{cast.engagement.pk}/")
    assert response.context["engagement"].burn is None
    assert "no budget set" in response.content.decode()


# --- recording on an outcome ------------------------------------------------------------------


PREFIXES = {"measurement": "m", "status": "s", "confirmation": "c"}
def _post(session, outcome, record, data, page="outcome"):
    """Send one of the forms of an outcome's card from `page`, the outcome's or its
    engagement's."""
    post = {f"{PREFIXES[record]}{outcome.pk}-{key}": value for key, value in data.items()}
    post.update(record=record, outcome=outcome.pk)
    if page == "engagement":
        return session.post(f"/engagements/{outcome.engagement_id}/", post)
    return session.post(f"/outcomes/{outcome.pk}/", post)


def test_a_measurement_becomes_the_actual_and_starts_the_outcome(cast, world, as_user):
    outcome = world["outcome"]
    alice = as_user(cast.consultant)
    response = _post(alice, outcome, "measurement",
                     {"date": "2026-11-04", "value": "15", "note": "From the Q4 dashboard"},
                     page="engagement")
    assert response.status_code == 302
    assert response["Location"] == f"/engagements/{cast.engagement.pk}/#outcome-{outcome.pk}"
    outcome.refresh_from_db()
    assert outcome.status == Outcome.Status.IN_PROGRESS
    assert Outcome.objects.with_actual().get(pk=outcome.pk).actual_value == Decimal("15")
    page = alice.get(f"/engagements/{cast.engagement.pk}/").content.decode()
    assert f'id="actual-{outcome.pk}">15 days' in page
    assert "75%" in page  # (15 - 30) / (10 - 30)
    measurement = OutcomeMeasurement.objects.get(value=Decimal("15"))
    assert (measurement.note, measurement.recorded_by) == ("From the Q4 dashboard", cast.consultant)


def test_measurement_date_defaults_to_today_in_the_users_timezone(cast, world, as_user):
    cast.consultant.timezone = "Pacific/Auckland"  # already Thursday 5 November there
    cast.consultant.save()
    with time_machine.travel(dt.datetime(2026, 11, 4, 20, 0, tzinfo=dt.UTC), tick=False):
        response = as_user(cast.consultant).get(f"/outcomes/{world['outcome'].pk}/")
        page = response.content.decode()
        assert 'value="2026-11-05"' in page
        # ...and the 5th is not "in the future" for her.
        outcome = world["outcome"]
        saved = _post(as_user(cast.consultant), outcome, "measurement",
                      {"date": "2026-11-05", "value": "18"})
        assert saved.status_code == 302


@pytest.mark.parametrize("page,template", [
    ("engagement", "clients/engagement_detail.html"),
    ("outcome", "clients/outcome_detail.html"),
])
@pytest.mark.parametrize("data,field,message", [
    ({"date": "2026-11-04", "value": "twelve"}, "value", "Enter a number."),
    ({"date": "2026-11-04", "value": ""}, "value", "This field is required."),
    ({"date": "2026-11-05", "value": "12"}, "date", "A measurement cannot be in the future."),
    ({"date": "4th of November", "value": "12"}, "date", "Enter a valid date."),
    ({"date": "2026-11-04", "value": "100000000000.01"}, "value",
     "Enter a value between -100,000,000,000 and 100,000,000,000."),
    ({"date": "1899-12-31", "value": "12"}, "date",
     "Enter a date between 1 Jan 1900 and 31 Dec 2199."),
])
def test_bad_measurement_is_shown_again_next_to_its_field(
    cast, world, as_user, page, template, data, field, message
):
    outcome = world["outcome"]
    response = _post(as_user(cast.consultant), outcome, "measurement",
                     {**data, "note": "typed note"}, page=page)
    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    page = response.content.decode()
    field_id = f"id_m{outcome.pk}-{field}"
    # The message sits right under its input, which is marked invalid and points to it.
    assert f'id="{field_id}_error">{message}</div>' in page
    assert f'aria-describedby="{field_id}_error"' in page
    assert 'value="typed note"' in page
    if data["value"]:
        assert f'value="{data["value"]}"' in page
    assert outcome.measurements.count() == 2


def test_mark_achieved_with_date_and_missed_without(cast, world, as_user):
    outcome = world["outcome"]
    maria = as_user(cast.manager)
    assert _post(maria, outcome, "status",
                 {"status": "achieved", "achieved_on": "2026-11-03"}).status_code == 302
    outcome.refresh_from_db()
    assert (outcome.status, outcome.achieved_on) == ("achieved", dt.date(2026, 11, 3))
    # The date box is always there; marking missed ignores it.
    assert _post(maria, outcome, "status",
                 {"status": "missed", "achieved_on": "2026-11-03"}).status_code == 302
    outcome.refresh_from_db()
    assert (outcome.status, outcome.achieved_on) == ("missed", None)
    assert _post(maria, outcome, "status", {"status": "in_progress"}).status_code == 302
    outcome.refresh_from_db()
    assert outcome.status == "in_progress"


def test_achieved_on_defaults_to_today(cast, world, as_user):
    response = as_user(cast.consultant).get(f"/outcomes/{world['outcome'].pk}/")
    assert response.context["outcome"].forms["status"]["achieved_on"].value() == TODAY


@pytest.mark.parametrize("data,field,message", [
    ({"status": "achieved", "achieved_on": ""}, "achieved_on",
     "Say when the outcome was achieved."),
    ({"status": "achieved", "achieved_on": "2026-11-05"}, "achieved_on",
     "An outcome cannot be achieved in the future."),
    ({"status": "achieved", "achieved_on": "yesterday"}, "achieved_on", "Enter a valid date."),
    ({"status": "won"}, "status", "Select a valid choice."),
])
def test_bad_status_is_shown_again_next_to_its_field(cast, world, as_user, data, field, message):
    outcome = world["outcome"]
    response = _post(as_user(cast.consultant), outcome, "status", data, page="engagement")
    assert response.status_code == 200
    errors = response.context["outcomes"][0].forms["status"].errors
    assert message in errors[field][0]
    page = response.content.decode()
    assert "<details class=\"border rounded p-2\" open>" in page
    outcome.refresh_from_db()
    assert outcome.status == Outcome.Status.PLANNED


def test_client_confirmation_needs_who_and_when(cast, world, as_user):
    outcome = achieved(world["outcome"])
    alice = as_user(cast.consultant)
    only_who = _post(alice, outcome, "confirmation", {"confirmed_by": "Jane Roe"})
    errors = only_who.context["outcome"].forms["confirmation"].errors
    assert errors == {"confirmed_on": ["Say when the client confirmed it."]}
    assert 'value="Jane Roe"' in only_who.content.decode()

    only_when = _post(alice, outcome, "confirmation", {"confirmed_on": "2026-11-02"})
    errors = only_when.context["outcome"].forms["confirmation"].errors
    assert errors == {"confirmed_by": ["Say who at the client confirmed it."]}
    assert 'value="2026-11-02"' in only_when.content.decode()

    future = _post(alice, outcome, "confirmation",
                   {"confirmed_by": "Jane Roe", "confirmed_on": "2026-11-05"})
    errors = future.context["outcome"].forms["confirmation"].errors
    assert errors == {"confirmed_on": ["A confirmation cannot be dated in the future."]}

    blank = _post(alice, outcome, "confirmation", {"confirmed_by": "   "})
    assert set(blank.context["outcome"].forms["confirmation"].errors) == {
        "confirmed_by", "confirmed_on"
    }
    outcome.refresh_from_db()
    assert (outcome.confirmed_by, outcome.confirmed_on) == ("", None)

    ok = _post(alice, outcome, "confirmation",
               {"confirmed_by": "Jane Roe, CFO", "confirmed_on": "2026-11-04"})
    assert ok.status_code == 302
    outcome.refresh_from_db()
    # Recorded, as the firm's report: only the client's own answer verifies it.
    assert outcome.confirmed_on == dt.date(2026, 11, 4) and not outcome.is_verified


NAV_ACTIVE = '<a class="nav-link active" aria-current="page" href="{}">'


@pytest.mark.parametrize("page,nav", [("engagement", "/engagements/"), ("outcome", "/outcomes/")])
def test_a_refused_form_comes_back_on_the_page_it_was_sent_from(
    cast, world, as_user, page, nav
):
    outcome = world["outcome"]
    response = _post(as_user(cast.consultant), outcome, "measurement",
                     {"date": "2026-11-04", "value": "twelve", "note": "typed note"}, page=page)
    address = {"engagement": f"/engagements/{cast.engagement.pk}/",
               "outcome": f"/outcomes/{outcome.pk}/"}[page]
    # The same address as the page it came from, so the navigation marks the same section
    # and a reload or the back button stays on that page.
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == address
    body = response.content.decode()
    assert NAV_ACTIVE.format(nav) in body and body.count('nav-link active') == 1
    assert f'id="id_m{outcome.pk}-value_error">Enter a number.</div>' in body
    assert 'value="twelve"' in body and 'value="typed note"' in body
    # Every form of the card posts back to this page, scrolled to the outcome.
    assert body.count(f'action="{address}#outcome-{outcome.pk}"') == 3


def test_confirmation_cannot_be_dated_before_the_outcome_was_achieved(cast, world, as_user):
    outcome = world["outcome"]
    alice = as_user(cast.consultant)
    achieved = {"status": "achieved", "achieved_on": "2026-11-03"}
    assert _post(alice, outcome, "status", achieved, page="engagement").status_code == 302
    response = _post(alice, outcome, "confirmation",
                     {"confirmed_by": "Jane Roe, CFO", "confirmed_on": "2026-11-01"},
                     page="engagement")
    assert response.status_code == 200
    message = "The client cannot have confirmed it before it was achieved (3 Nov 2026)."
    field_id = f"id_c{outcome.pk}-confirmed_on"
    page = response.content.decode()
    assert f'id="{field_id}_error">{message}</div>' in page
    assert f'aria-describedby="{field_id}_error"' in page
    assert 'value="2026-11-01"' in page and 'value="Jane Roe, CFO"' in page
    outcome.refresh_from_db()
    assert (outcome.confirmed_by, outcome.confirmed_on) == ("", None)
    # Confirmed the day it was achieved: fine.
    same_day = _post(alice, outcome, "confirmation",
                     {"confirmed_by": "Jane Roe, CFO", "confirmed_on": "2026-11-03"})
    assert same_day.status_code == 302


def test_an_outcome_cannot_be_achieved_after_the_client_confirmed_it(cast, world, as_user):
    outcome = achieved(world["outcome"])
    Outcome.objects.filter(pk=outcome.pk).update(
        confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 11, 2)
    )
    alice = as_user(cast.consultant)
    # The date offered is the achievement's own, not today.
    page = alice.get(f"/outcomes/{outcome.pk}/")
    assert page.context["outcome"].forms["status"]["achieved_on"].value() == dt.date(2026, 11, 1)
    response = _post(alice, outcome, "status",
                     {"status": "achieved", "achieved_on": "2026-11-03"}, page="engagement")
    assert response.status_code == 200
    message = "The client confirmed it on 2 Nov 2026: it cannot have been achieved later."
    body = response.content.decode()
    assert f'id="id_s{outcome.pk}-achieved_on_error">{message}</div>' in body
    assert 'value="2026-11-03"' in body
    outcome.refresh_from_db()
    assert outcome.achieved_on == dt.date(2026, 11, 1)
    ok = _post(alice, outcome, "status", {"status": "achieved", "achieved_on": "2026-11-02"})
    assert ok.status_code == 302
    outcome.refresh_from_db()
    # Still achieved, so still confirmed.
    assert (outcome.achieved_on, outcome.confirmed_on) == (dt.date(2026, 11, 2),) * 2


@pytest.mark.parametrize("zone,now,confirmed_on,accepted", [
    # 20:00 UTC on the 4th is already the 5th in Auckland...
    ("Pacific/Auckland", dt.datetime(2026, 11, 4, 20, 0, tzinfo=dt.UTC), "2026-11-05", True),
    ("Pacific/Auckland", dt.datetime(2026, 11, 4, 20, 0, tzinfo=dt.UTC), "2026-11-06", False),
    # ...and 05:00 UTC on the 4th still the 3rd in Los Angeles.
    ("America/Los_Angeles", dt.datetime(2026, 11, 4, 5, 0, tzinfo=dt.UTC), "2026-11-04", False),
    ("America/Los_Angeles", dt.datetime(2026, 11, 4, 5, 0, tzinfo=dt.UTC), "2026-11-03", True),
])
def test_confirmation_cannot_be_in_the_future_where_the_user_is(
    cast, world, as_user, zone, now, confirmed_on, accepted
):
    cast.consultant.timezone = zone
    cast.consultant.save()
    outcome = achieved(world["outcome"])
    with time_machine.travel(now, tick=False):
        response = _post(as_user(cast.consultant), outcome, "confirmation",
                         {"confirmed_by": "Jane Roe", "confirmed_on": confirmed_on})
    if accepted:
        assert response.status_code == 302
    else:
        assert response.context["outcome"].forms["confirmation"].errors == {
            "confirmed_on": ["A confirmation cannot be dated in the future."]
        }


@pytest.mark.parametrize("page", ["engagement", "outcome"])
@pytest.mark.parametrize("status", ["planned", "in_progress", "missed"])
def test_only_an_achieved_outcome_can_be_confirmed(cast, world, as_user, status, page):
    outcome = world["outcome"]
    Outcome.objects.filter(pk=outcome.pk).update(status=status)
    alice = as_user(cast.consultant)
    form_page = alice.get(f"/outcomes/{outcome.pk}/").content.decode()
    assert f'id="id_c{outcome.pk}-confirmed_on_helptext">Only for an achieved outcome.' in form_page
    response = _post(alice, outcome, "confirmation",
                     {"confirmed_by": "Jane Roe, CFO", "confirmed_on": "2026-11-03"}, page=page)
    assert response.status_code == 200
    body = response.content.decode()
    message = "Only an achieved outcome can be confirmed: mark it achieved first."
    assert f'id="id_c{outcome.pk}-confirmed_on_error">{message}</div>' in body
    assert 'value="Jane Roe, CFO"' in body and 'value="2026-11-03"' in body
    outcome.refresh_from_db()
    assert (outcome.status, outcome.confirmed_by, outcome.confirmed_on) == (status, "", None)


@pytest.mark.parametrize("status,said", [("in_progress", "in progress"), ("missed", "missed")])
def test_reopened_or_missed_an_outcome_loses_its_client_confirmation(
    cast, world, as_user, status, said
):
    outcome = achieved(world["outcome"])
    Outcome.objects.filter(pk=outcome.pk).update(
        confirmed_by="Jane Roe, CFO", confirmed_on=dt.date(2026, 11, 3)
    )
    alice = as_user(cast.consultant)
    response = _post(alice, outcome, "status", {"status": status}, page="engagement")
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.status, outcome.confirmed_by, outcome.confirmed_on) == (status, "", None)
    # Said where it happened, with what was removed, should it need recording again.
    page = alice.get(response["Location"]).content.decode()
    assert (
        f"Faster refunds is now {said}. The client&#x27;s confirmation (Jane Roe, CFO, "
        "3 Nov 2026) was removed: only an achieved outcome can be confirmed."
    ) in page
    assert f'id="confirmation-{outcome.pk}"><span class="text-body-secondary">Not confirmed' in page
    # Nor is it counted as confirmed anywhere.
    rows = _csv_rows(alice.get("/outcomes/?verified=yes&_export=csv"))
    assert rows[1:] == []
    rows = _csv_rows(alice.get("/outcomes/?verified=no&_export=csv"))
    assert [row[0] for row in rows[1:]] == ["Faster refunds"]
    client_page = alice.get(f"/clients/{cast.engagement.client_id}/").content.decode()
    assert "0 achieved of 1; 0 confirmed by the client" in client_page


# --- creating and editing outcomes --------------------------------------------------------

OUTCOME_DATA = {
    "title": "Fewer complaints", "metric": "Complaints per week", "unit": "complaints",
    "direction": "decrease", "baseline": "40", "target": "20",
    "evidence_url": "", "evidence_note": "",
}


def test_a_member_adds_an_outcome_from_the_engagement(cast, world, as_user):
    alice = as_user(cast.consultant)
    page = alice.get(f"/engagements/{cast.engagement.pk}/").content.decode()
    assert f'href="/outcomes/new/?engagement={cast.engagement.pk}"' in page
    response = alice.post(f"/outcomes/new/?engagement={cast.engagement.pk}", OUTCOME_DATA)
    assert response.status_code == 302
    outcome = Outcome.objects.get(title="Fewer complaints")
    assert response["Location"] == f"/engagements/{cast.engagement.pk}/#outcome-{outcome.pk}"
    assert (outcome.engagement, outcome.recorded_by, outcome.status) == (
        cast.engagement, cast.consultant, Outcome.Status.PLANNED
    )


@pytest.mark.parametrize("changes,field,message", [
    ({"direction": "increase", "baseline": "40", "target": "20"}, "target",
     "For an increase, the target must be above the baseline."),
    ({"direction": "increase", "baseline": "40", "target": "40"}, "target",
     "For an increase, the target must be above the baseline."),
    ({"direction": "decrease", "baseline": "20", "target": "40"}, "target",
     "For a decrease, the target must be below the baseline."),
    ({"baseline": "forty"}, "baseline", "Enter a number."),
    ({"title": ""}, "title", "This field is required."),
    ({"evidence_url": "not a link"}, "evidence_url", "Enter a valid URL."),
    ({"baseline": "100000000001", "target": "100000000002", "direction": "increase"},
     "baseline", "Enter a baseline between -100,000,000,000 and 100,000,000,000."),
    ({"target": "-100000000000.01"}, "target",
     "Enter a target between -100,000,000,000 and 100,000,000,000."),
])
def test_bad_outcome_is_shown_again_next_to_its_field(
    cast, world, as_user, changes, field, message
):
    data = {**OUTCOME_DATA, **changes}
    response = as_user(cast.consultant).post(
        f"/outcomes/new/?engagement={cast.engagement.pk}", data
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert f'id="id_{field}_error">{message}</div>' in page
    assert f'value="{data["metric"]}"' in page
    assert not Outcome.objects.filter(title="Fewer complaints").exists()


def test_editing_an_outcome_keeps_its_rules(cast, world, as_user):
    outcome = world["outcome"]
    maria = as_user(cast.manager)
    bad = maria.post(f"/outcomes/{outcome.pk}/edit/", {**OUTCOME_DATA, "baseline": "10"})
    assert bad.context["form"].errors["target"] == [
        "For a decrease, the target must be below the baseline."
    ]
    good = maria.post(f"/outcomes/{outcome.pk}/edit/", {**OUTCOME_DATA, "title": "Refunds"})
    assert good.status_code == 302
    outcome.refresh_from_db()
    assert (outcome.title, outcome.baseline) == ("Refunds", Decimal("40"))


# --- engagements: managers and admins plan them ------------------------------------------


def _engagement_data(cast, **changes):
    return {
        "client": cast.engagement.client_id, "name": "Data platform", "team": cast.team.pk,
        "status": "active",
        "starts_on": "2026-11-01", "ends_on": "2027-03-31", "budget_hours": "120",
        "members": [cast.consultant.pk, cast.teammate.pk], "source_activity": "",
        **changes,
    }


def test_a_manager_creates_an_engagement_for_their_people(cast, world, as_user):
    response = as_user(cast.manager).post("/engagements/new/", _engagement_data(cast))
    engagement = Engagement.objects.get(name="Data platform")
    assert response.status_code == 302
    assert response["Location"] == f"/engagements/{engagement.pk}/"
    assert set(engagement.members.all()) == {cast.consultant, cast.teammate}


@pytest.mark.parametrize("changes,field,message", [
    ({"ends_on": "2026-10-01"}, "ends_on", "An engagement cannot end before it starts."),
    ({"name": "tax portal"}, "name", "already has an engagement called 'tax portal'."),
    ({"members": []}, "members", "Choose at least one member"),
    ({"members": ["OUTSIDER"]}, "members", "Select a valid choice."),
    ({"budget_hours": "-5"}, "budget_hours", "Enter a budget in hours from 0 to 1,000,000."),
    ({"budget_hours": "5000000"}, "budget_hours", "from 0 to 1,000,000."),
    ({"starts_on": "0001-01-01"}, "starts_on", "Enter a date between 1 Jan 1900 and 31 Dec"),
    ({"ends_on": "9999-12-31"}, "ends_on", "Enter a date between 1 Jan 1900 and 31 Dec 2199."),
    ({"budget_hours": "lots"}, "budget_hours", "Enter a number."),
    ({"starts_on": ""}, "starts_on", "This field is required."),
    ({"client": "OTHER_CLIENT"}, "client", "Select a valid choice."),
])
def test_bad_engagement_is_shown_again_next_to_its_field(
    cast, world, as_user, changes, field, message
):
    replace = {
        "OUTSIDER": cast.outsider.pk, "OTHER_CLIENT": world["other_engagement"].client_id
    }
    changes = {
        key: ([replace.get(v, v) for v in value] if isinstance(value, list)
              else replace.get(value, value))
        for key, value in changes.items()
    }
    response = as_user(cast.manager).post("/engagements/new/", _engagement_data(cast, **changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Engagement.objects.filter(name="Data platform").exists()


def test_editing_keeps_members_the_manager_cannot_see(cast, world, as_user):
    cast.engagement.members.add(cast.outsider)
    response = as_user(cast.manager).post(
        f"/engagements/{cast.engagement.pk}/edit/",
        _engagement_data(cast, name="Tax portal", members=[cast.teammate.pk]),
    )
    assert response.status_code == 302
    assert set(cast.engagement.members.all()) == {cast.teammate, cast.outsider}


def test_a_stale_engagement_edit_is_refused_without_naming_hidden_members(cast, world):
    """Two editors on one engagement, one seeing more people than the other: the stale save
    is refused with what changed, and a member the manager may not see is never named."""
    url = f"/engagements/{cast.engagement.pk}/edit/"
    maria, root = DjangoClient(), DjangoClient()
    maria.force_login(cast.manager)
    root.force_login(cast.admin)

    def version_on(response):
        return re.search(r'name="version" value="([^"]*)"', response.content.decode())[1]

    started_maria, started_root = version_on(maria.get(url)), version_on(root.get(url))
    members = [cast.consultant.pk, cast.teammate.pk]
    assert root.post(url, _engagement_data(
        cast, name="Tax portal", budget_hours="250", members=[*members, cast.outsider.pk],
        version=started_root,
    )).status_code == 302

    stale = maria.post(url, _engagement_data(cast, name="Tax portal 2", members=members,
                                             version=started_maria))
    assert stale.status_code == 200
    errors = stale.context["form"].errors
    assert errors["budget_hours"] == ["Saved now: 250.0."]
    assert "members" not in errors and "name" not in errors
    assert str(cast.outsider) not in stale.content.decode()
    cast.engagement.refresh_from_db()
    assert (cast.engagement.name, cast.engagement.budget_hours) == ("Tax portal", 250)

    again = maria.post(url, _engagement_data(cast, name="Tax portal 2", members=members,
                                             version=version_on(stale)))
    assert again.status_code == 302
    cast.engagement.refresh_from_db()
    assert cast.engagement.name == "Tax portal 2"
    assert cast.outsider in cast.engagement.members.all()


def test_a_consultant_cannot_create_or_edit_engagements(cast, world, as_user):
    alice = as_user(cast.consultant)
    assert alice.post("/engagements/new/", _engagement_data(cast)).status_code == 404
    assert alice.post(
        f"/engagements/{cast.engagement.pk}/edit/", _engagement_data(cast)
    ).status_code == 404
    assert not Engagement.objects.filter(name="Data platform").exists()


def test_another_teams_manager_cannot_edit_alices_engagement(cast, world, as_user):
    response = as_user(cast.other_manager).post(
        f"/engagements/{cast.engagement.pk}/edit/", _engagement_data(cast)
    )
    assert response.status_code == 404


def test_an_engagement_is_edited_by_its_own_teams_managers_only(cast, world, as_user):
    """Maria sees Health's engagement because Alice helps on it; she may not re-plan it."""
    health = EngagementFactory(name="Wards", team=cast.other_team,
                               members=[cast.outsider, cast.consultant], budget_hours=300)
    maria = as_user(cast.manager)
    page = maria.get(f"/engagements/{health.pk}/")
    assert page.status_code == 200
    assert f"/engagements/{health.pk}/edit/" not in page.content.decode()
    assert "its managers edit it" in page.content.decode()
    assert maria.get(f"/engagements/{health.pk}/edit/").status_code == 404
    closing = _engagement_data(cast, client=health.client_id, name="Wards", status="closed",
                               budget_hours="1", team=cast.other_team.pk,
                               members=[cast.consultant.pk])
    assert maria.post(f"/engagements/{health.pk}/edit/", closing).status_code == 404
    health.refresh_from_db()
    assert (health.status, health.budget_hours) == ("active", 300)

    omar = as_user(cast.other_manager)
    page = omar.get(f"/engagements/{health.pk}/")
    assert f"/engagements/{health.pk}/edit/" in page.content.decode()
    response = omar.post(f"/engagements/{health.pk}/edit/", {
        **closing, "members": [cast.outsider.pk], "budget_hours": "250",
    })
    assert response.status_code == 302
    health.refresh_from_db()
    assert (health.status, health.budget_hours) == ("closed", 250)
    # Alice stays on it: Omar cannot see her, so his form cannot drop her.
    assert set(health.members.all()) == {cast.outsider, cast.consultant}
    assert as_user(cast.admin).get(f"/engagements/{health.pk}/edit/").status_code == 200


def test_a_manager_plans_only_for_a_team_they_manage(cast, world, as_user):
    maria = as_user(cast.manager)
    response = maria.post("/engagements/new/", _engagement_data(cast, team=cast.other_team.pk))
    assert response.status_code == 200
    assert response.context["form"].errors["team"] == ["Choose one of the teams you manage."]
    assert not Engagement.objects.filter(name="Data platform").exists()
    assert maria.post("/engagements/new/", _engagement_data(cast)).status_code == 302
    assert Engagement.objects.get(name="Data platform").team == cast.team


# --- clients: admins only ------------------------------------------------------------------


def test_an_admin_adds_and_edits_a_client(cast, world, as_user):
    root = as_user(cast.admin)
    response = root.post("/clients/new/", {"name": "Acme", "sector": "Retail", "active": "on",
                                           "owner": cast.manager.pk})
    acme = Client.objects.get(name="Acme")
    assert response["Location"] == f"/clients/{acme.pk}/"
    response = root.post(f"/clients/{acme.pk}/edit/", {"name": "Acme Ltd", "sector": "Retail"})
    acme.refresh_from_db()
    assert (acme.name, acme.active) == ("Acme Ltd", False)


@pytest.mark.parametrize("data,field,message", [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "TAKEN"}, "name", "Client with this Name already exists."),
])
def test_bad_client_is_shown_again_next_to_its_field(cast, world, as_user, data, field, message):
    if data["name"] == "TAKEN":
        data = {"name": cast.engagement.client.name}
    response = as_user(cast.admin).post("/clients/new/", {**data, "sector": "Health"})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert 'value="Health"' in response.content.decode()


def test_non_admins_cannot_add_clients(cast, as_user):
    for user in [cast.consultant, cast.manager]:
        response = as_user(user).post("/clients/new/", {"name": "Sneaky"})
        assert response.status_code == 404
    assert not Client.objects.filter(name="Sneaky").exists()


def test_a_member_id_past_the_database_integers_is_refused_not_a_500(
    cast, world, as_user, settings
):
    settings.DEBUG = False
    maria = as_user(cast.manager)
    maria.raise_request_exception = False
    response = maria.post("/engagements/new/", _engagement_data(cast, members=["9" * 30]))
    assert response.status_code == 200
    assert "Select a valid choice." in " ".join(response.context["form"].errors["members"])
    assert not Engagement.objects.filter(name="Data platform").exists()


@pytest.mark.parametrize("name,section", [
    ("tracker:my_week", "tracker:my_week"), ("tracker:time_list", "tracker:time_list"),
    ("tracker:time_new", "tracker:time_list"), ("tracker:activity_list", "tracker:activity_list"),
    ("clients:outcome_list", "clients:outcome_list"),
    ("clients:engagement_list", "clients:engagement_list"),
    ("clients:engagement_create", "clients:engagement_list"),
    ("clients:client_list", "clients:client_list"), ("reports:balance", "reports:balance"),
])
def test_the_navigation_marks_the_section_of_the_page(cast, as_user, name, section):
    body = as_user(cast.admin).get(reverse(name)).content.decode()
    navigation = body.split('<ul class="navbar-nav me-auto">')[1].split("</ul>")[0]
    assert f' active" aria-current="page" href="{reverse(section)}">' in navigation
    assert navigation.count('aria-current="page"') == 1
