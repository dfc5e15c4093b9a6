"""/api/v1/report-runs/: the balance report built in the background, as the page's "Build in
background" and /reports/ (Celery eager in the tests: the run is built once committed)."""

import pytest
from django.test import Client

from reports.models import ReportRun
from tracker.models import Kind
from tracker.tests.api_clients import PEOPLE, as_who, bearer
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/report-runs/"
PERIOD = {"start": "2026-11-02", "end": "2026-11-29"}


@pytest.fixture
def logged(cast):
    # alice's client and promotion hours each round 17 s down (1.5 h, 0.5 h), their total
    # rounds up (2.01 h): a result read back from the rounded hours would say 2.0 h.
    TimeEntryFactory(consultant=cast.consultant, seconds=5400 + 17, kind=Kind.CLIENT,
                     engagement=cast.engagement)
    TimeEntryFactory(consultant=cast.consultant, seconds=1800 + 17, kind=Kind.PROMOTION)
    TimeEntryFactory(consultant=cast.teammate, seconds=900, kind=Kind.INTERNAL)
    TimeEntryFactory(consultant=cast.outsider, seconds=3600, kind=Kind.INTERNAL)
    ActivityFactory(consultant=cast.consultant, audience=1200)
    return cast


def build(client, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, body, format="json")


@pytest.mark.parametrize("who, scope", [
    ("consultant", {}),
    ("manager", {}),
    ("manager", {"team": "team"}),
    ("admin", {}),
    ("admin", {"consultant": "consultant"}),
])
def test_post_then_get_gives_the_balance_reports_figures(
    logged, who, scope, django_capture_on_commit_callbacks
):
    client = bearer(getattr(logged, who))
    params = {**PERIOD, **{name: getattr(logged, attr).pk for name, attr in scope.items()}}
    posted = build(client, params, django_capture_on_commit_callbacks)
    assert posted.status_code == 202, posted.json()
    run = ReportRun.objects.get()
    assert posted["Location"] == f"/api/v1/report-runs/{run.pk}/"
    assert posted.json()["id"] == run.pk

    followed = client.get(posted["Location"])
    assert followed.status_code == 200
    body = followed.json()
    assert (body["status"], body["progress"]) == ("done", 100)
    assert body["params"] == {"period": "custom", "team": None, "consultant": None,
                              "client": None, **params}
    assert body["result"] == client.get("/api/v1/reports/balance/", params).json()
    if not scope:
        assert body["result"]["totals"]["total_hours"] == {
            "consultant": 2.01, "manager": 2.26, "admin": 3.26}[who]


def test_the_same_report_asked_again_while_queued_is_the_same_run(logged):
    client = bearer(logged.manager)
    first = client.post(URL, PERIOD, format="json")  # not committed: stays queued
    again = client.post(URL, {**PERIOD, "period": "custom"}, format="json")
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["status"] == "queued" and first.json()["result"] is None
    assert ReportRun.objects.count() == 1


def test_a_preset_period_counts_from_today(logged, django_capture_on_commit_callbacks):
    posted = build(bearer(logged.manager), {"period": "last_week"},
                   django_capture_on_commit_callbacks)
    assert posted.status_code == 202
    assert ReportRun.objects.get().params["period"] == "last_week"


@pytest.mark.parametrize("body, field", [
    ({"start": "2026-13-01", "end": "2026-11-29"}, "start"),
    ({"start": "2026-11-29", "end": "2026-11-02"}, "end"),
    ({"start": "2026-11-02"}, "end"),
    ({"start": "1800-01-01", "end": "1800-02-01"}, "start"),
    ({"start": "2020-01-01", "end": "2026-11-29"}, "end"),  # more than three years
    ({"period": "forever"}, "period"),
    ({**PERIOD, "team": "Public Sector"}, "team"),
    ({**PERIOD, "start": 20261102}, "start"),
    ({**PERIOD, "consultant": [1]}, "consultant"),
])
def test_bad_parameters_are_400_and_queue_nothing(logged, body, field):
    response = bearer(logged.manager).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ReportRun.objects.exists()


@pytest.mark.parametrize("name, value", [
    ("team", lambda c: c.other_team.pk), ("consultant", lambda c: c.outsider.pk),
    ("team", lambda c: 10**20),
])
def test_a_scope_out_of_reach_is_404_and_queues_nothing(logged, name, value):
    response = bearer(logged.manager).post(URL, {**PERIOD, name: value(logged)}, format="json")
    assert response.status_code == 404
    assert not ReportRun.objects.exists()


@pytest.fixture
def runs(logged, django_capture_on_commit_callbacks):
    """One run asked by each person of the cast."""
    made = {}
    for who in PEOPLE:
        response = build(bearer(getattr(logged, who)), PERIOD, django_capture_on_commit_callbacks)
        made[who] = response.json()["id"]
    return made


@pytest.mark.parametrize("who", PEOPLE)
def test_the_list_is_what_the_reports_page_lists(logged, runs, who):
    page = Client()
    page.force_login(getattr(logged, who))
    listed = as_who(logged, who).get(URL).json()
    assert [row["id"] for row in listed["results"]] == [
        run.pk for run in page.get("/reports/").context["runs"]]
    assert runs[who] in {row["id"] for row in listed["results"]}
    assert "result" not in listed["results"][0]  # the list leaves the figures out


@pytest.mark.parametrize("who, status", [
    ("consultant", 200), ("teammate", 404), ("manager", 404), ("other_manager", 404),
    ("outsider", 404), ("admin", 200), ("anonymous", 401), ("revoked", 401),
])
def test_alices_run_is_hers_and_the_admins_to_follow(logged, runs, who, status):
    # As on /reports/<id>/: even her manager does not follow her runs.
    response = as_who(logged, who).get(f"{URL}{runs['consultant']}/")
    assert response.status_code == status
    page = Client()
    if who not in ("anonymous", "revoked"):
        page.force_login(getattr(logged, who))
        assert page.get(f"/reports/{runs['consultant']}/").status_code == status


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_anonymous_and_revoked_tokens_are_401(logged, who):
    client = as_who(logged, who)
    assert client.get(URL).status_code == 401
    assert client.post(URL, PERIOD, format="json").status_code == 401
    assert not ReportRun.objects.exists()


def test_a_failed_run_shows_its_error_and_no_result(logged):
    run = ReportRun.objects.create(requested_by=logged.consultant, params={
        "period": "custom", **PERIOD, "team": None, "consultant": None, "client": None},
        status=ReportRun.Status.FAILED, error="worker lost")
    body = bearer(logged.consultant).get(f"{URL}{run.pk}/").json()
    assert (body["status"], body["error"], body["result"]) == ("failed", "worker lost", None)
