"""/activities/: the promotion log, its totals, exports and the time spent on each piece."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from tracker.models import Activity, Kind, TimeEntry
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]



@pytest.fixture
def world(cast):
    talk = ActivityFactory(
        consultant=cast.consultant, kind=Activity.Kind.TALK, title="=cmd|' /C calc'!A0",
        date=dt.date(2026, 11, 23), audience=300, interactions=40, leads=2,
    )
    post = ActivityFactory(
        consultant=cast.consultant, kind=Activity.Kind.BLOG_POST, title="Why outcomes",
        date=dt.date(2026, 10, 5), audience=1200, interactions=10, leads=0,
    )
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.PROMOTION, activity=talk,
                     seconds=2 * 3600, date=dt.date(2026, 11, 20))
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.PROMOTION, activity=talk,
                     seconds=1800, date=dt.date(2026, 11, 23))
    bobs = ActivityFactory(consultant=cast.teammate, title="Bob's podcast",
                           kind=Activity.Kind.PODCAST)
    olgas = ActivityFactory(consultant=cast.outsider, title="Olga's webinar",
                            kind=Activity.Kind.WEBINAR)
    return {"talk": talk, "post": post, "bob": bobs, "olga": olgas}


def listed(response) -> set[int]:
    return {row.record.pk for row in response.context["table"].paginated_rows}


def test_anonymous_is_sent_to_log_in(client, world):
    talk = world["talk"]
    for url in ["/activities/", "/activities/?_export=csv", "/activities/new/",
                f"/activities/{talk.pk}/", f"/activities/{talk.pk}/edit/",
                f"/activities/{talk.pk}/delete/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("consultant", {"talk", "post"}),
        ("teammate", {"bob"}),
        ("manager", {"talk", "post", "bob"}),
        ("other_manager", {"olga"}),
        ("admin", {"talk", "post", "bob", "olga"}),
    ],
)
def test_each_person_lists_what_they_may_see(client, cast, world, who, expected):
    client.force_login(getattr(cast, who))
    response = client.get("/activities/")
    assert response.status_code == 200
    assert listed(response) == {world[name].pk for name in expected}


def test_each_row_shows_the_time_spent_and_totals_add_up(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/activities/")
    spent = {row.record.pk: row.record.spent_seconds
             for row in response.context["table"].paginated_rows}
    assert spent == {world["talk"].pk: 9000, world["post"].pk: 0}
    assert ">2:30<" in response.content.decode()
    totals = response.context["totals"]
    assert totals == {
        "count": 2, "seconds": 9000, "reach": 1500, "interactions": 50, "leads": 2,
        "time_text": "2:30",
    }


def test_filters_period_kind_and_consultant(client, cast, world):
    client.force_login(cast.manager)
    assert listed(client.get("/activities/", {"kind": "blog_post"})) == {world["post"].pk}
    assert listed(client.get("/activities/", {"period": "last_month"})) == {world["post"].pk}
    assert listed(client.get("/activities/", {"date_from": "2026-11-01"})) == {
        world["talk"].pk, world["bob"].pk
    }
    assert listed(client.get("/activities/", {"consultant": cast.teammate.pk})) == {
        world["bob"].pk
    }
    totals = client.get("/activities/", {"consultant": cast.consultant.pk}).context["totals"]
    assert totals["reach"] == 1500


@pytest.mark.parametrize("who", ["teammate", "other_manager"])
def test_listing_someone_out_of_reach_is_404(client, cast, world, who):
    client.force_login(getattr(cast, who))
    assert client.get("/activities/", {"consultant": cast.consultant.pk}).status_code == 404
    assert client.get(
        "/activities/", {"consultant": cast.consultant.pk, "_export": "csv"}
    ).status_code == 404


@pytest.mark.parametrize(
    ("who", "detail", "change"),
    [
        ("consultant", 200, 200),
        ("teammate", 404, 404),
        ("manager", 200, 404),
        ("other_manager", 404, 404),
        ("outsider", 404, 404),
        ("admin", 200, 200),
    ],
)
def test_who_reaches_an_activity(client, cast, world, who, detail, change):
    client.force_login(getattr(cast, who))
    talk = world["talk"]
    assert client.get(f"/activities/{talk.pk}/").status_code == detail
    assert client.get(f"/activities/{talk.pk}/edit/").status_code == change
    assert client.get(f"/activities/{talk.pk}/delete/").status_code == change


@pytest.mark.parametrize("who", ["teammate", "manager", "other_manager"])
def test_posting_to_someone_elses_activity_is_404(client, cast, world, who):
    client.force_login(getattr(cast, who))
    talk = world["talk"]
    assert client.post(f"/activities/{talk.pk}/delete/").status_code == 404
    assert client.post(
        f"/activities/{talk.pk}/edit/", {"kind": "talk", "title": "Hijacked", "date": "2026-11-01"}
    ).status_code == 404
    talk.refresh_from_db()
    assert talk.title.startswith("=cmd")


def test_detail_shows_the_linked_time_and_a_prefilled_log_time_link(client, cast, world):
    client.force_login(cast.consultant)
    talk = world["talk"]
    response = client.get(f"/activities/{talk.pk}/")
    content = response.content.decode()
    assert len(response.context["entries"]) == 2
    assert response.context["spent_text"] == "2:30"
    assert "Fri 20 Nov 2026" in content and "Mon 23 Nov 2026" in content
    url = response.context["log_time_url"]
    assert url.startswith(f"/time/new/?kind=promotion&activity={talk.pk}")
    form = client.get(url).context["form"]
    assert form["kind"].value() == "promotion"
    assert str(form["activity"].value()) == str(talk.pk)


def test_a_manager_sees_the_detail_without_changing_it(client, cast, world):
    client.force_login(cast.manager)
    response = client.get(f"/activities/{world['talk'].pk}/")
    assert response.context["log_time_url"] == ""
    assert not response.context["may_change"]
    assert b"Log time on this activity" not in response.content
    assert b"/edit/" not in response.content


def test_logging_an_activity_then_its_time(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/activities/new/", {
        "kind": "talk", "title": "Outcomes over output", "date": "2026-11-24",
        "venue": "DevConf", "url": "devconf.example/talks/1", "audience": "250",
        "interactions": "30", "leads": "3", "engagement": cast.engagement.pk, "note": "",
    })
    activity = Activity.objects.get()
    assert response["Location"] == f"/activities/{activity.pk}/"
    assert activity.consultant == cast.consultant
    assert activity.url == "https://devconf.example/talks/1"
    assert activity.engagement == cast.engagement
    log_time = client.get(response["Location"]).context["log_time_url"]
    response = client.post(log_time, {
        "date": "2026-11-24", "seconds": "3h", "kind": "promotion", "activity": activity.pk,
        "next": f"/activities/{activity.pk}/",
    })
    assert response["Location"] == f"/activities/{activity.pk}/"
    entry = TimeEntry.objects.get()
    assert (entry.activity, entry.kind, entry.seconds) == (activity, Kind.PROMOTION, 10800)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("audience", "9223372036854775807", "Enter an audience from 0 to 1,000,000,000."),
    ("audience", "1000000001", "Enter an audience from 0 to 1,000,000,000."),
    ("interactions", "99999999999", "Enter interactions from 0 to 1,000,000,000."),
    ("leads", "1000001", "Enter leads from 0 to 1,000,000."),
    ("audience", "-5", "Enter an audience from 0 to 1,000,000,000."),
    ("date", "0001-01-01", "Enter a date between 1 Jan 1900 and 31 Dec 2199."),
])
def test_a_figure_beyond_its_bound_is_refused_next_to_the_field(
    client, cast, field, value, message
):
    """An audience of 2**63 - 1 was accepted, then overflowed the team's sums: /activities/
    and /reports/balance/ answered 500 for the consultant and their manager."""
    client.force_login(cast.consultant)
    data = {"kind": "talk", "title": "Big", "date": "2026-11-24", "audience": "10",
            "interactions": "0", "leads": "0", "note": "", field: value}
    response = client.post("/activities/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert f'value="{value}"' in response.content.decode()
    assert not Activity.objects.exists()


def test_the_largest_figures_allowed_still_sum_on_the_team_pages(client, cast, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    for person in (cast.consultant, cast.teammate):
        client.force_login(person)
        response = client.post("/activities/new/", {
            "kind": "talk", "title": "Huge", "date": "2026-11-24", "audience": "1000000000",
            "interactions": "1000000000", "leads": "1000000", "note": "",
        })
        assert response.status_code == 302
    client.force_login(cast.manager)
    assert client.get("/activities/").context["totals"]["reach"] == 2_000_000_000
    report = client.get("/reports/balance/", {"period": "custom", "start": "2026-11-23",
                                              "end": "2026-11-29"})
    assert report.status_code == 200
    assert report.context["report"].totals.reach == 2_000_000_000


def test_bad_activity_input_is_shown_next_to_the_field(client, cast):
    client.force_login(cast.consultant)
    response = client.post("/activities/new/", {
        "kind": "talk", "title": "", "date": "not a date", "audience": "-5", "interactions": "0",
        "leads": "0",
    })
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"title", "date", "audience"}
    content = response.content.decode()
    for field in ("title", "date", "audience"):
        assert f'id="id_{field}_error"' in content
    assert 'value="not a date"' in content
    assert not Activity.objects.exists()


def test_edit_and_delete_by_the_owner(client, cast, world):
    client.force_login(cast.consultant)
    talk = world["talk"]
    response = client.post(f"/activities/{talk.pk}/edit/", {
        "kind": "talk", "title": "Renamed", "date": "2026-11-23", "audience": "10",
        "interactions": "0", "leads": "0",
    })
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.title == "Renamed"
    confirm = client.get(f"/activities/{talk.pk}/delete/")
    assert b"2 time entries" in confirm.content
    client.post(f"/activities/{talk.pk}/delete/")
    assert not Activity.objects.filter(pk=talk.pk).exists()
    # Its time stays logged as promotion time.
    assert TimeEntry.objects.filter(kind=Kind.PROMOTION, activity=None).count() == 2


def test_csv_export_neutralises_formulas_and_keeps_numbers(client, cast, world):
    client.force_login(cast.consultant)
    response = client.get("/activities/", {"_export": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_title = {row["Title"]: row for row in rows}
    assert set(by_title) == {"'=cmd|' /C calc'!A0", "Why outcomes"}
    talk = by_title["'=cmd|' /C calc'!A0"]
    assert (talk["Hours"], talk["Audience"], talk["Leads"]) == ("2.5", "300", "2")
    assert float(by_title["Why outcomes"]["Hours"]) == 0


def test_xlsx_export_keeps_numbers_as_numbers(client, cast, world):
    client.force_login(cast.manager)
    response = client.get("/activities/", {"_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True))
            for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 3
    # A text cell holds the title exactly as typed: no spreadsheet runs a text cell.
    talk = next(row for row in rows if row["Title"].startswith("=cmd"))
    title = next(c for row in sheet.iter_rows(min_row=2) for c in row
                 if c.value == talk["Title"])
    assert title.data_type == "s"
    assert talk["Hours"] == 2.5
    assert talk["Audience"] == 300
    assert talk["Consultant"] == "alice"


def test_query_count_does_not_grow_with_rows(client, cast, django_assert_max_num_queries):
    def make(count):
        activities = Activity.objects.bulk_create(
            Activity(consultant=cast.consultant, kind=Activity.Kind.TALK, title=f"Talk {n}",
                     date=dt.date(2026, 11, 1) + dt.timedelta(days=n % 20),
                     engagement=cast.engagement if n % 2 else None)
            for n in range(count)
        )
        TimeEntry.objects.bulk_create(
            TimeEntry(consultant=cast.consultant, kind=Kind.PROMOTION, activity=activity,
                      seconds=600, date=activity.date)
            for activity in activities
        )

    make(1)
    bound = 8
    for who in (cast.consultant, cast.manager):
        client.force_login(who)
        with django_assert_max_num_queries(bound):
            assert client.get("/activities/").status_code == 200
    make(99)
    for who in (cast.consultant, cast.manager):
        client.force_login(who)
        with django_assert_max_num_queries(bound):
            response = client.get("/activities/", {"sort": "-time_spent"})
        assert len(response.context["table"].page.object_list) == 25
        with django_assert_max_num_queries(bound):
            client.get("/activities/", {"sort": "engagement", "page": 2})
    with django_assert_max_num_queries(bound):
        response = client.get(f"/activities/{Activity.objects.first().pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["9999999999999999999", "99999999999999999999999", "3"])
def test_a_page_past_the_end_shows_the_last_page(client, cast, settings, page):
    """A page number past bigint's range reached the database as an OFFSET: a 500."""
    settings.DEBUG = False
    client.raise_request_exception = False
    ActivityFactory.create_batch(27, consultant=cast.consultant)
    client.force_login(cast.consultant)
    response = client.get("/activities/", {"page": page})
    assert response.status_code == 200
    assert response.context["table"].page.number == 2
    assert len(listed(response)) == 2


@pytest.mark.parametrize("url", ["/activities/", "/time/", "/clients/", "/outcomes/"])
def test_a_page_size_asked_in_the_address_stays_between_1_and_100(client, cast, settings, url):
    settings.DEBUG = False
    client.raise_request_exception = False
    client.force_login(cast.admin)
    for per_page in ("-5", "0", "1000000", "99999999999999999999"):
        response = client.get(url, {"per_page": per_page, "page": "2"})
        assert response.status_code == 200
        assert 1 <= response.context["table"].paginator.per_page <= 100


def test_two_tabs_editing_different_fields_of_an_activity_keep_both(client, cast):
    """A raises the audience, B (opened before) fixes the venue: neither undoes the other."""
    import re

    from django.test import Client

    talk = ActivityFactory(consultant=cast.consultant, title="Talk", venue="DevConf",
                           date=dt.date(2026, 11, 24), audience=900, interactions=0, leads=0)
    url = f"/activities/{talk.pk}/edit/"
    client.force_login(cast.consultant)
    tab_b = Client()
    tab_b.force_login(cast.consultant)

    def version_on(response):
        return re.search(r'name="version" value="([^"]*)"', response.content.decode())[1]

    started_a, started_b = version_on(client.get(url)), version_on(tab_b.get(url))
    data = {"kind": "talk", "title": "Talk", "date": "2026-11-24", "venue": "DevConf",
            "url": "", "audience": "900", "interactions": "0", "leads": "0", "note": ""}
    assert client.post(url, {**data, "audience": "950", "version": started_a}).status_code == 302
    assert tab_b.post(url, {**data, "venue": "DevConf Berlin",
                            "version": started_b}).status_code == 302
    talk.refresh_from_db()
    assert (talk.audience, talk.venue) == (950, "DevConf Berlin")


def test_an_activity_in_an_approved_week_says_so_when_its_edit_page_opens(client, cast, world):
    """As the time form does: who approved the week is said before anything is typed, and
    the form offers no Save (the service would refuse it anyway)."""
    from tracker import services

    monday = dt.date(2026, 10, 5)
    services.week_submit(consultant=cast.consultant, week_start=monday)
    services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)
    client.force_login(cast.consultant)
    page = client.get(reverse("tracker:activity_edit", args=[world["post"].pk])).content.decode()
    assert "This activity cannot be changed: Week 2026-W41 of" in page
    assert f"was approved by {cast.manager}" in page
    assert ">Save</button>" not in page and "<fieldset disabled>" in page
    page = client.get(reverse("tracker:activity_edit", args=[world["talk"].pk])).content.decode()
    assert "cannot be changed" not in page and ">Save</button>" in page


def test_an_activity_in_an_approved_week_says_so_when_its_delete_page_opens(client, cast, world):
    """The delete page names the approved week before the click and offers no Delete."""
    from tracker import services

    monday = dt.date(2026, 10, 5)
    services.week_submit(consultant=cast.consultant, week_start=monday)
    services.week_approve(consultant=cast.consultant, week_start=monday, by=cast.manager)
    client.force_login(cast.consultant)
    url = reverse("tracker:activity_delete", args=[world["post"].pk])
    page = client.get(url).content.decode()
    assert "This activity cannot be deleted: Week 2026-W41 of" in page
    assert f"was approved by {cast.manager}" in page
    assert ">Delete</button>" not in page
    client.post(url)
    assert Activity.objects.filter(pk=world["post"].pk).exists()
    page = client.get(reverse("tracker:activity_delete", args=[world["talk"].pk])).content.decode()
    assert "cannot be deleted" not in page and ">Delete</button>" in page
