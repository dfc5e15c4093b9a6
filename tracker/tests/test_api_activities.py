"""/api/v1/activities/: the promotion log as /activities/ shows and allows it."""

import pytest
from django.test import Client

from tracker.models import Activity, Kind

from .api_clients import PEOPLE, as_who, bearer, page_ids
from .factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"

# alice's activity, as each caller meets it: read, change, delete.
ONE = {
    "consultant": (200, 200, 204),
    "teammate": (404, 404, 404),
    "manager": (200, 403, 403),
    "other_manager": (404, 404, 404),
    "outsider": (404, 404, 404),
    "admin": (200, 200, 204),
    "anonymous": (401, 401, 401),
    "revoked": (401, 401, 401),
}


@pytest.fixture
def talks(cast):
    return {who: ActivityFactory(consultant=getattr(cast, who), title=f"{who}'s talk",
                                 audience=100)
            for who in PEOPLE}


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", PEOPLE)
def test_the_list_shows_what_the_activities_page_shows(cast, talks, who):
    page = Client()
    page.force_login(getattr(cast, who))
    shown = ids(as_who(cast, who).get(URL))
    assert shown == page_ids(page, "/activities/")
    assert talks[who].pk in shown


def test_an_activity_reads_with_its_time_and_reach(cast, talks):
    talk = talks["consultant"]
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.PROMOTION, activity=talk,
                     seconds=5400)
    body = bearer(cast.consultant).get(f"{URL}{talk.pk}/").json()
    assert body["spent_seconds"] == 5400
    assert body["audience"] == 100
    assert body["consultant"] == cast.consultant.pk
    assert body["title"] == "consultant's talk"


@pytest.mark.parametrize("who, read, change, delete", [(k, *v) for k, v in ONE.items()])
def test_one_activity_read_change_delete(cast, talks, who, read, change, delete):
    talk = talks["consultant"]
    client = as_who(cast, who)
    url = f"{URL}{talk.pk}/"
    assert client.get(url).status_code == read

    patched = client.patch(url, {"audience": 250}, format="json")
    assert patched.status_code == change
    talk.refresh_from_db()
    assert talk.audience == (250 if change == 200 else 100)

    assert client.delete(url).status_code == delete
    assert Activity.objects.filter(pk=talk.pk).exists() == (delete != 204)


@pytest.mark.parametrize("who, status", [*[(who, 201) for who in PEOPLE],
                                         ("anonymous", 401), ("revoked", 401)])
def test_anyone_signed_in_logs_their_own_activity(cast, who, status):
    response = as_who(cast, who).post(URL, {
        "kind": "podcast", "title": "On outcomes", "date": "2026-11-02", "audience": 3000,
    }, format="json")
    assert response.status_code == status
    made = Activity.objects.filter(title="On outcomes")
    if status == 201:
        assert [activity.consultant for activity in made] == [getattr(cast, who)]
        assert response.json()["spent_seconds"] == 0
    else:
        assert not made.exists()


def test_create_featuring_an_engagement_of_ones_own(cast):
    response = bearer(cast.consultant).post(URL, {
        "kind": "talk", "title": "Tax portal story", "date": "2026-11-02",
        "engagement": cast.engagement.pk, "url": "https://example.com/talk",
    }, format="json")
    assert response.status_code == 201, response.json()
    assert Activity.objects.get().engagement == cast.engagement


@pytest.mark.parametrize("body, field", [
    ({"kind": "talk", "date": "2026-11-02"}, "title"),
    ({"kind": "haiku", "title": "T", "date": "2026-11-02"}, "kind"),
    ({"kind": "talk", "title": "T", "date": "2026-02-30"}, "date"),
    ({"kind": "talk", "title": "T", "date": "2300-01-01"}, "date"),
    ({"kind": "talk", "title": "T", "date": "2026-11-02", "audience": 10**12}, "audience"),
    ({"kind": "talk", "title": "T", "date": "2026-11-02", "leads": -1}, "leads"),
    ({"kind": "talk", "title": "T", "date": "2026-11-02", "audience": "many"}, "audience"),
    ({"kind": "talk", "title": "T", "date": "2026-11-02", "url": "not a link"}, "url"),
    ({"kind": "talk", "title": "Two\nlines", "date": "2026-11-02"}, "title"),
    ({"kind": "talk", "title": "T", "date": "2026-11-02", "engagement": 10**20}, "engagement"),
])
def test_invalid_create_is_400_with_the_field_and_writes_nothing(cast, body, field):
    response = bearer(cast.consultant).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Activity.objects.exists()


def test_an_engagement_one_is_not_on_is_refused_as_on_the_form(cast):
    # bob is not a member of "Tax portal": the form's menu does not offer it.
    response = bearer(cast.teammate).post(URL, {
        "kind": "talk", "title": "T", "date": "2026-11-02", "engagement": cast.engagement.pk,
    }, format="json")
    assert response.status_code == 400
    assert response.json()["engagement"] == ["Choose one of your engagements."]


def test_invalid_change_is_400_and_changes_nothing(cast, talks):
    talk = talks["consultant"]
    response = bearer(cast.consultant).patch(f"{URL}{talk.pk}/",
                                             {"title": "", "audience": 5}, format="json")
    assert response.status_code == 400 and "title" in response.json()
    talk.refresh_from_db()
    assert (talk.title, talk.audience) == ("consultant's talk", 100)


def test_the_owner_and_consultant_cannot_be_changed(cast, talks):
    talk = talks["consultant"]
    response = bearer(cast.admin).patch(f"{URL}{talk.pk}/",
                                        {"consultant": cast.admin.pk, "title": "Fixed"},
                                        format="json")
    assert response.status_code == 200
    talk.refresh_from_db()
    assert (talk.consultant, talk.title) == (cast.consultant, "Fixed")


def test_deleting_keeps_the_time_spent_on_it(cast, talks):
    talk = talks["consultant"]
    entry = TimeEntryFactory(consultant=cast.consultant, kind=Kind.PROMOTION, activity=talk)
    assert bearer(cast.consultant).delete(f"{URL}{talk.pk}/").status_code == 204
    entry.refresh_from_db()
    assert entry.activity is None


def test_filters_by_the_pages_filter_set(cast):
    early = ActivityFactory(consultant=cast.consultant, kind="talk",
                            date="2026-10-01")
    late = ActivityFactory(consultant=cast.consultant, kind="podcast", date="2026-11-10")
    bobs = ActivityFactory(consultant=cast.teammate, kind="talk", date="2026-11-10")
    client = bearer(cast.manager)
    assert ids(client.get(URL, {"start": "2026-11-01"})) == {late.pk, bobs.pk}
    assert ids(client.get(URL, {"end": "2026-10-31"})) == {early.pk}
    assert ids(client.get(URL, {"kind": "talk"})) == {early.pk, bobs.pk}
    assert ids(client.get(URL, {"consultant": cast.teammate.pk})) == {bobs.pk}
    assert client.get(URL, {"consultant": cast.outsider.pk}).status_code == 404
    bad = client.get(URL, {"start": "yesterday"})
    assert bad.status_code == 400 and "start" in bad.json()
    reversed_dates = client.get(URL, {"start": "2026-11-10", "end": "2026-11-01"})
    assert reversed_dates.status_code == 400 and "end" in reversed_dates.json()
