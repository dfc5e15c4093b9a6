"""/api/v1/timer/: the caller's running timer, started, stopped and discarded as on /time/."""

import datetime as dt

import pytest

from tracker.forms import TimerStartForm
from tracker.models import RunningTimer, TimeEntry

from .api_clients import PEOPLE, as_who, bearer
from .clock import NOW
from .factories import ActivityFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/timer/"


def post(client, **body):
    return client.post(URL, body, format="json")


def test_nothing_running(cast):
    response = bearer(cast.consultant).get(URL)
    assert response.status_code == 200
    assert response.json() == {"running": False}


def test_start_read_stop_logs_the_time(cast, frozen_time):
    client = bearer(cast.consultant)
    started = post(client, action="start", kind="client", engagement=cast.engagement.pk,
                   note="Calls")
    assert started.status_code == 201, started.json()
    assert started.json()["running"] is True

    frozen_time.shift(dt.timedelta(minutes=42, seconds=10))
    body = client.get(URL).json()
    assert body == {
        "running": True, "started_at": "2026-11-25T12:00:00Z", "elapsed_seconds": 2530,
        "kind": "client", "engagement": cast.engagement.pk, "activity": None,
        "note": "Calls", "billable": True,
    }

    stopped = post(client, action="stop")
    assert stopped.status_code == 200
    entry = TimeEntry.objects.get()
    # Rounded up to the minute, billable as client work is by default.
    assert (entry.seconds, entry.billable, entry.note) == (43 * 60, True, "Calls")
    assert stopped.json() == [{
        "id": entry.pk, "consultant": cast.consultant.pk, "date": "2026-11-25",
        "seconds": 2580, "kind": "client", "engagement": cast.engagement.pk,
        "activity": None, "billable": True, "note": "Calls", "source": "timer",
        "import_batch": None, "week_status": "open",
    }]
    assert client.get(URL).json() == {"running": False}


def test_promotion_timer_on_ones_activity(cast, frozen_time):
    talk = ActivityFactory(consultant=cast.consultant)
    client = bearer(cast.consultant)
    assert post(client, action="start", kind="promotion", activity=talk.pk).status_code == 201
    frozen_time.shift(dt.timedelta(minutes=30))
    post(client, action="stop")
    assert TimeEntry.objects.get().activity == talk


def test_a_second_start_is_409_and_keeps_the_running_timer(cast, frozen_time):
    client = bearer(cast.consultant)
    post(client, action="start", kind="internal")
    frozen_time.shift(dt.timedelta(minutes=5))
    again = post(client, action="start", kind="internal", note="again")
    assert again.status_code == 409
    assert again.json()["detail"] == "A timer is already running; stop it first."
    timer = RunningTimer.objects.get()
    assert (timer.started_at, timer.note) == (NOW, "")


@pytest.mark.parametrize("action", ["stop", "discard"])
def test_stop_or_discard_with_nothing_running_is_409(cast, action):
    response = post(bearer(cast.consultant), action=action)
    assert response.status_code == 409
    assert response.json()["detail"] == "No timer is running."
    assert not TimeEntry.objects.exists()


def test_discard_logs_nothing(cast):
    client = bearer(cast.consultant)
    post(client, action="start", kind="internal")
    assert post(client, action="discard").status_code == 204
    assert not RunningTimer.objects.exists() and not TimeEntry.objects.exists()


def test_a_timer_left_running_over_24_hours_is_refused_and_kept(cast, frozen_time):
    client = bearer(cast.consultant)
    post(client, action="start", kind="internal")
    frozen_time.shift(dt.timedelta(hours=25))
    response = post(client, action="stop")
    assert response.status_code == 400
    assert "more than 24 hours" in response.json()["non_field_errors"][0]
    assert RunningTimer.objects.exists() and not TimeEntry.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({}, "action"),
    ({"action": "pause"}, "action"),
    ({"action": ["start"]}, "action"),
    ({"action": "start"}, "kind"),
    ({"action": "start", "kind": "nap"}, "kind"),
    ({"action": "start", "kind": "client"}, "engagement"),
    ({"action": "start", "kind": "internal", "engagement": "tax"}, "engagement"),
    ({"action": "start", "kind": "client", "engagement": 10**20}, "engagement"),
    ({"action": "start", "kind": "internal", "billable": "perhaps"}, "billable"),
])
def test_bad_input_is_400_naming_the_field(cast, body, field):
    response = bearer(cast.consultant).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not RunningTimer.objects.exists()


@pytest.mark.parametrize("who, fields, field", [
    # bob is not on "Tax portal": not in the form's menu of engagements.
    ("teammate", lambda c: {"kind": "client", "engagement": c.engagement.pk}, "engagement"),
    ("consultant", lambda c: {"kind": "internal", "engagement": c.engagement.pk},
     "engagement"),
    ("consultant", lambda c: {"kind": "client"}, "engagement"),
    ("consultant", lambda c: {"kind": "internal", "activity": c.talk.pk}, "activity"),
    ("teammate", lambda c: {"kind": "promotion", "activity": c.talk.pk}, "activity"),
])
def test_the_same_refusals_as_the_pages_timer_form(cast, who, fields, field):
    cast.talk = ActivityFactory(consultant=cast.consultant)
    user = getattr(cast, who)
    values = fields(cast)
    form = TimerStartForm({f"timer-{k}": v for k, v in values.items()}, user=user)
    assert not form.is_valid() and field in form.errors
    response = post(bearer(user), action="start", **values)
    assert response.status_code == 400
    assert field in response.json()
    assert not RunningTimer.objects.exists()


def test_a_timer_is_its_owners_alone(cast):
    post(bearer(cast.consultant), action="start", kind="internal")
    for who in PEOPLE[1:]:  # the manager and the admin too
        client = as_who(cast, who)
        assert client.get(URL).json() == {"running": False}
        assert post(client, action="stop").status_code == 409
    assert RunningTimer.objects.get().user == cast.consultant


@pytest.mark.parametrize("who", ["anonymous", "revoked"])
def test_needs_a_live_token(cast, who):
    client = as_who(cast, who)
    assert client.get(URL).status_code == 401
    assert post(client, action="start", kind="internal").status_code == 401
    assert not RunningTimer.objects.exists()
