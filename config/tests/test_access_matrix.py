"""Who gets what on every route: one table, checked against the resolver (issue 14).

Every URL pattern (pages, exports, the API; the Django admin excluded: its own permission
system guards it) has a row in ROUTES naming the answer each role gets for each method the
route takes, keyed by the pattern's name (`namespace:name`). A route with no row fails
`test_every_route_has_a_row_and_every_row_a_route`, and so does a row whose route is gone:
nobody adds a page without deciding who may see it. docs/operations.md "Access to every
route" says how to add a row.

The roles are the fixed cast (root conftest.py), all about alice's things:

    alice  the owner (a consultant on the engagement "Tax portal" of the team Public Sector)
    bob    her teammate, no manager: must not see her things
    maria  the manager of her team: sees them, and changes only what a manager may
    omar   the manager of another team: must not see them
    root   an admin: everything
    anon   nobody signed in

A row holds, per method, six answers in that order: a status code, or
    LOGIN  a redirect to the log-in page that comes back here (pages, anonymous),
    302    a redirect anywhere else (a form saved, or sent back with a message).
Out of reach is 404 on pages, exports and the API alike; no credentials on the API is 401;
a write on the API to something the caller sees but may not change is 403 (docs/api.md).

Each request runs in a savepoint that is rolled back, and the clients' cookies are put back
after it, so no answer depends on another's writes (a delete, a log-out, a revoked token).
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import unquote, urlencode, urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients.models import ConfirmationRequest
from clients.tests.factories import (
    ClientContactFactory,
    OutcomeFactory,
    OutcomeMeasurementFactory,
)
from reports.confirmations import confirmation_token
from reports.digests import unsubscribe_token
from reports.forms import BalanceFilterForm
from reports.saved import saved_report_create
from reports.services import report_build, report_request
from tracker import services
from tracker.models import ImportBatch, ImportUpload, Kind
from tracker.tests.factories import ActivityFactory, TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    # A Wednesday (tracker/tests/clock.py): alice's week 2026-W45 is past and submitted.
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

ROLES = ("alice", "bob", "maria", "omar", "root", "anon")
LOGIN = "LOGIN"
REDIRECT = "302"
WEEK = "2026-W45"  # alice's entry and activity are on Monday 2 November


@dataclass(frozen=True)
class Row:
    """The answers of one route, by method: {"GET": "200 404 200 404 200 LOGIN", ...}.

    A method may carry a query string of its own ("GET ?_export=csv"), checked as a case of
    its own. `obj` names the world's object whose pk fills `<pk>`; `kwargs` fills other
    parameters; `path` is a path served before the resolver (static files). `query` and
    `body` are formatted with the world ("{alice.pk}"): a body that gets past the access
    check, so that a refusal is about the role, not about an empty form.
    """

    answers: dict[str, str]
    obj: str = ""
    kwargs: Callable[["World"], dict] | None = None
    path: str = ""
    query: str = ""
    body: dict = field(default_factory=dict)
    names_her: bool = False  # a signed link of hers: whoever holds it sees whose it is


def row(obj: str = "", *, kwargs=None, path: str = "", query: str = "", body=None,
        names_her: bool = False, also: dict | None = None, **answers: str) -> Row:
    """`GET=`, `POST=`, `PUT=`, `PATCH=`, `DELETE=`; `also` for methods with a query string."""
    return Row(answers={**answers, **(also or {})}, obj=obj, kwargs=kwargs, path=path,
               query=query, body=body or {}, names_her=names_her)


# Shorthands for the most common rows, in ROLES order.
EVERYONE = "200 200 200 200 200 LOGIN"  # each signed-in person, on their own things
IN_REACH = "200 404 200 404 200 LOGIN"  # alice's thing: herself, her manager, an admin
OWNER = "200 404 404 404 200 LOGIN"  # alice's thing only she (or an admin) changes
HER_MANAGER = "404 404 200 404 200 LOGIN"  # her team's manager and admins, not herself
MANAGERS = "404 404 200 200 200 LOGIN"  # managers and admins, each on their own people
ADMINS = "404 404 404 404 200 LOGIN"
POST_ONLY = "405 405 405 405 405 LOGIN"  # a GET of a form's target: no page there
ANYONE = "200 200 200 200 200 200"  # no log-in needed
API_EVERYONE = "200 200 200 200 200 401"
API_IN_REACH = "200 404 200 404 200 401"
API_EACH_OWN = "201 201 201 201 201 401"  # each signed-in person writes their own

# alice's entries, activities and weeks are hers and, for a manager, read-only: the pages
# answer 404 to a manager's change, the API 403 (docs/api.md "Time entries").
# Personal things (API tokens, saved reports, report runs) are their owner's alone; an
# admin follows runs (docs/reports.md) and manages the rest in Django admin.
ROUTES: dict[str, Row] = {
    # --- My week, time, the timer ----------------------------------------------------------
    "tracker:my_week": row(GET=EVERYONE, POST="302 302 302 302 302 LOGIN"),
    # Lists and their exports: each person's own reach; naming alice out of it is 404.
    "tracker:time_list": row(GET=EVERYONE, also={
        "GET ?_export=csv": EVERYONE,
        "GET ?consultant={alice.pk}": IN_REACH,
        "GET ?_export=csv&consultant={alice.pk}": IN_REACH,
    }),
    "tracker:time_new": row(GET=EVERYONE, POST=EVERYONE),
    "tracker:time_edit": row("entry", GET=OWNER, POST=OWNER),
    "tracker:time_duplicate": row("entry", GET=OWNER),
    "tracker:time_delete": row("entry", GET=OWNER, POST="302 404 404 404 302 LOGIN"),
    "tracker:timer_start": row(GET=EVERYONE, POST=EVERYONE),
    "tracker:timer_stop": row(GET=POST_ONLY, POST="302 302 302 302 302 LOGIN"),
    "tracker:timer_discard": row(GET=EVERYONE, POST="302 302 302 302 302 LOGIN"),  # GET asks
    # A cell of one's own week grid: each person's own; another's engagement is 404.
    "tracker:week_cell": row(query="week=2026-W45&row=internal-0&day=0", GET=EVERYONE,
                             POST="302 302 302 302 302 LOGIN", also={
        "GET ?week=2026-W45&row=client-{engagement.pk}&day=0": "200 404 404 404 404 LOGIN",
    }),
    # A long menu's options (tracker.pickers): everyone, each within their own reach (the
    # answer lists only what they may choose: tracker/tests/test_pickers.py).
    "tracker:options": row(kwargs=lambda w: {"kind": "person"}, GET=EVERYONE,
                           POST="405 405 405 405 405 LOGIN"),
    # --- activities ---------------------------------------------------------------------------
    "tracker:activity_list": row(GET=EVERYONE, also={
        "GET ?_export=csv": EVERYONE,
        "GET ?consultant={alice.pk}": IN_REACH,
        "GET ?_export=csv&consultant={alice.pk}": IN_REACH,
    }),
    "tracker:activity_new": row(GET=EVERYONE, POST=EVERYONE),
    "tracker:activity_detail": row("activity", GET=IN_REACH),
    "tracker:activity_edit": row("activity", GET=OWNER, POST=OWNER),
    "tracker:activity_delete": row("activity", GET=OWNER, POST="302 404 404 404 302 LOGIN"),
    # --- week approval (docs/approvals.md) ------------------------------------------------
    "tracker:week_list": row(GET=MANAGERS, also={"GET ?consultant={alice.pk}": HER_MANAGER}),
    # Everyone submits their own week (2026-W46, a past one).
    "tracker:week_submit": row(query="week=2026-W46", GET=POST_ONLY,
                               POST="302 302 302 302 302 LOGIN"),
    "tracker:week_detail": row(kwargs=lambda w: {"username": "alice", "week": WEEK},
                               body={"action": "approve"},
                               GET=HER_MANAGER, POST="404 404 302 404 302 LOGIN"),
    # --- history (docs/history.md) ----------------------------------------------------------
    "tracker:history_list": row(GET=MANAGERS, also={
        "GET ?_export=csv": MANAGERS,
        "GET ?owner={alice.pk}": HER_MANAGER,
        "GET ?_export=csv&owner={alice.pk}": HER_MANAGER,
    }),
    # --- imports: maria's upload and batch (a manager sees their own, an admin all) --------
    "tracker:import_list": row(GET=MANAGERS, POST=MANAGERS),
    "tracker:import_preview": row("upload", GET=HER_MANAGER),
    # Its dry run is empty (nothing to import): a confirm goes back to the preview.
    "tracker:import_confirm": row("upload", GET=POST_ONLY, POST="404 404 302 404 302 LOGIN"),
    "tracker:import_batch": row("batch", GET=HER_MANAGER),
    "tracker:import_batch_status": row("batch", GET=HER_MANAGER),
    "tracker:import_batch_undo": row("batch", GET=HER_MANAGER,
                                     POST="404 404 302 404 302 LOGIN"),
    # --- clients, engagements, outcomes (docs/logging-time.md) -----------------------------
    "clients:client_list": row(GET=EVERYONE, also={"GET ?_export=csv": EVERYONE}),
    "clients:client_create": row(GET=ADMINS, POST=ADMINS),
    # A contact added on the client's page: managers and admins who see the client.
    "clients:client_detail": row("client", body={"contact-name": "Lee Park",
                                                 "contact-email": "lee@revenue.example"},
                                 GET=IN_REACH, POST="404 404 302 404 302 LOGIN"),
    "clients:contact_update": row("client", kwargs=lambda w: {"contact_pk": w.contact.pk},
                                  body={"name": "Dana Okafor", "email": "dana@revenue.example"},
                                  GET=HER_MANAGER, POST="404 404 302 404 302 LOGIN"),
    "clients:contact_delete": row("client", kwargs=lambda w: {"contact_pk": w.contact.pk},
                                  GET=POST_ONLY, POST="404 404 302 404 302 LOGIN"),
    "clients:client_update": row("client", GET=ADMINS, POST=ADMINS),
    "clients:engagement_list": row(GET=EVERYONE, also={
        "GET ?_export=csv": EVERYONE,
        "GET ?member={alice.pk}": IN_REACH,
        "GET ?_export=csv&member={alice.pk}": IN_REACH,
    }),
    "clients:engagement_create": row(GET=MANAGERS, POST=MANAGERS),
    # A reading typed on one of its outcomes' cards (empty: the card comes back with errors).
    "clients:engagement_detail": row("engagement", body={"outcome": "{outcome.pk}",
                                                         "record": "measurement"},
                                     GET=IN_REACH, POST=IN_REACH),
    "clients:engagement_update": row("engagement", GET=HER_MANAGER, POST=HER_MANAGER),
    "clients:outcome_list": row(GET=EVERYONE, also={
        "GET ?_export=csv": EVERYONE,
        "GET ?engagement={engagement.pk}": IN_REACH,
        "GET ?_export=csv&engagement={engagement.pk}": IN_REACH,
    }),
    "clients:outcome_create": row(query="engagement={engagement.pk}",
                                  GET=IN_REACH, POST=IN_REACH),
    "clients:outcome_detail": row("outcome", body={"record": "measurement"},
                                  GET=IN_REACH, POST=IN_REACH),
    "clients:outcome_update": row("outcome", GET=IN_REACH, POST=IN_REACH),
    # A reading: corrected or deleted by whoever records on its outcome (empty: form again).
    "clients:measurement_update": row("measurement", GET=IN_REACH, POST=IN_REACH),
    "clients:measurement_delete": row("measurement", GET=IN_REACH,
                                      POST="302 404 302 404 302 LOGIN"),
    # --- the client's confirmation (docs/confirmations.md) --------------------------------
    # Asked by whoever records on the outcome (it is not achieved yet: the form says so).
    "confirmations:ask": row("outcome", body={"contact": "{contact.pk}"},
                             GET=POST_ONLY, POST="200 404 200 404 200 LOGIN"),
    # The contact's signed link and the card they consented to: no log-in, the token (the
    # slug) is the authorisation; they show that one outcome to whoever holds them.
    "confirmations:confirm": row(kwargs=lambda w: {"token": w.confirm_token}, names_her=True,
                                 body={"decision": "confirm"}, GET=ANYONE, POST=ANYONE),
    "confirmations:card": row(kwargs=lambda w: {"slug": "card-of-alices-outcome"},
                              names_her=True, GET=ANYONE),
    # --- the team page (docs/reports.md): managers and admins, each on their own people --
    "reports:team": row(GET=MANAGERS),
    # --- the balance report and its runs (docs/reports.md) ---------------------------------
    "reports:balance": row(GET=EVERYONE, also={
        "GET ?consultant={alice.pk}": IN_REACH,
        "GET ?consultant={alice.pk}&_export=csv": IN_REACH,
    }),
    "reports:build": row(body={"period": "last_week", "consultant": "{alice.pk}"},
                         GET=POST_ONLY, POST="302 404 302 404 302 LOGIN"),
    "reports:runs": row(GET=EVERYONE),
    "reports:run": row("run", GET=OWNER, also={"GET ?_export=csv": OWNER}),
    "reports:run_status": row("run", GET=OWNER),
    "reports:run_retry": row("run", GET=POST_ONLY, POST="302 404 404 404 302 LOGIN"),
    "reports:saved": row(body={"f-period": "last_week", "f-consultant": "{alice.pk}",
                               "name": "Alice's week", "schedule": ""},
                         GET=EVERYONE, POST="302 404 302 404 302 LOGIN"),
    "reports:saved_delete": row("saved", GET=POST_ONLY, POST="302 404 404 404 404 LOGIN"),
    # Its owner's alone (an empty edit comes back with its errors).
    "reports:saved_edit": row("saved", GET="200 404 404 404 404 LOGIN",
                              POST="200 404 404 404 404 LOGIN"),
    "reports:saved_send": row("saved", GET=POST_ONLY, POST="302 404 404 404 404 LOGIN"),
    # --- digests (docs/digests.md) ----------------------------------------------------------
    "digests:preview": row(GET=EVERYONE, also={"GET ?user={alice.pk}": IN_REACH}),
    "digests:preferences": row(GET=EVERYONE, POST=EVERYONE),
    # The signed link of alice's digest of 2026-W47: the token is the authorisation (a mail
    # client's one-click POST carries no session), and all it does is turn her digest off.
    "digests:unsubscribe": row(kwargs=lambda w: {"token": w.unsubscribe_token},
                               names_her=True, GET=ANYONE, POST=ANYONE),
    # The same for her timesheet reminder of that week, signed under the reminder's own salt.
    "digests:reminder_unsubscribe": row(kwargs=lambda w: {"token": w.reminder_token},
                                        names_her=True, GET=ANYONE, POST=ANYONE),
    # --- the API (docs/api.md): a token per role; anonymous is 401 -------------------------
    "api:me": row(GET=API_EVERYONE),
    "api:time_entries": row(body={"date": "2026-11-24", "duration": "1:00", "kind": "internal"},
                            GET=API_EVERYONE, POST=API_EACH_OWN, also={
        "GET ?consultant={alice.pk}": API_IN_REACH,
    }),
    "api:time_entry": row("entry", GET=API_IN_REACH, PATCH="200 404 403 404 200 401",
                          DELETE="204 404 403 404 204 401"),
    "api:activities": row(body={"kind": "talk", "title": "Outcomes, not hours",
                                "date": "2026-11-24"},
                          GET=API_EVERYONE, POST=API_EACH_OWN, also={
        "GET ?consultant={alice.pk}": API_IN_REACH,
    }),
    "api:activity": row("activity", GET=API_IN_REACH, PATCH="200 404 403 404 200 401",
                        DELETE="204 404 403 404 204 401"),
    "api:timer": row(body={"action": "start", "kind": "internal"},
                     GET=API_EVERYONE, POST=API_EACH_OWN),
    "api:weeks": row(GET="400 400 400 400 400 401", also={  # name a consultant, a week or both
        f"GET ?consultant=alice&week={WEEK}": API_IN_REACH,
        "GET ?consultant=alice": API_IN_REACH,
        f"GET ?week={WEEK}": API_EVERYONE,  # the week of everyone you see
    }),
    # Approving her submitted week: never her own (403), her manager and an admin may.
    "api:week": row(kwargs=lambda w: {"username": "alice", "week": WEEK},
                    body={"action": "approve"}, GET="405 405 405 405 405 401",
                    POST="403 404 200 404 200 401"),
    "api:history": row(query="object=time-entry:{entry.pk}", GET=API_IN_REACH),
    # Clients are the admins' to change; the client still has an engagement: 409.
    "api:clients": row(body={"name": "Land Registry"},
                       GET=API_EVERYONE, POST="403 403 403 403 201 401"),
    "api:client": row("client", body={"name": "Revenue Agency", "sector": "Tax"},
                      GET=API_IN_REACH, PUT="403 404 403 404 200 401",
                      PATCH="403 404 403 404 200 401", DELETE="403 404 403 404 409 401"),
    # Planned by managers for a team they manage (omar: not hers, refused by field) and
    # admins; edited by its team's managers and admins; deleted by admins (time logged: 409).
    # A client's contacts: read where the client is seen, added by managers and admins.
    "api:client_contacts": row(kwargs=lambda w: {"client_pk": w.client.pk},
                               body={"name": "Lee Park", "email": "lee@revenue.example"},
                               GET=API_IN_REACH, POST="403 404 201 404 201 401"),
    "api:engagements": row(body={"client": "{client.pk}", "name": "Phase 2",
                                 "starts_on": "2026-12-01", "team": "{engagement.team_id}",
                                 "members": ["{alice.pk}"]},
                           GET=API_EVERYONE, POST="403 403 201 400 201 401", also={
                               "GET ?member={alice.pk}": API_IN_REACH,
                           }),
    "api:engagement": row("engagement", body={"client": "{client.pk}", "name": "Tax portal",
                                              "starts_on": "2026-01-01",
                                              "team": "{engagement.team_id}",
                                              "members": ["{alice.pk}"]},
                          GET=API_IN_REACH, PUT="403 404 200 404 200 401",
                          PATCH="403 404 200 404 200 401", DELETE="403 404 403 404 409 401"),
    "api:outcomes": row(body={"engagement": "{engagement.pk}", "title": "Fewer calls",
                              "metric": "Calls a week", "baseline": "400", "target": "250",
                              "direction": "decrease"},
                        GET=API_EVERYONE, POST="201 404 201 404 201 401", also={
                            "GET ?engagement={engagement.pk}": API_IN_REACH,
                        }),
    "api:outcome": row("outcome", GET=API_IN_REACH, PATCH="200 404 200 404 200 401",
                       DELETE="204 404 204 404 204 401"),
    "api:measurements": row(kwargs=lambda w: {"outcome_pk": w.outcome.pk},
                            body={"date": "2026-11-20", "value": "15"},
                            GET=API_IN_REACH, POST="201 404 201 404 201 401"),
    "api:measurement": row("measurement", kwargs=lambda w: {"outcome_pk": w.outcome.pk},
                           GET=API_IN_REACH, PATCH="200 404 200 404 200 401",
                           DELETE="204 404 204 404 204 401"),
    # Asked by whoever records on the outcome; not achieved yet, so a field error (400).
    "api_confirmation_requests": row(kwargs=lambda w: {"outcome_pk": w.outcome.pk},
                                     body={"contact": "{contact.pk}"},
                                     GET=API_IN_REACH, POST="400 404 400 404 400 401"),
    "api_balance": row(GET=API_EVERYONE, also={"GET ?consultant={alice.pk}": API_IN_REACH}),
    "api_report_runs": row(body={"period": "last_week", "consultant": "{alice.pk}"},
                           GET=API_EVERYONE, POST="202 404 202 404 202 401"),
    "api_report_run": row("run", GET="200 404 404 404 200 401"),
    # What the API offers is no secret, but nothing is served to strangers (docs/api.md).
    "api_schema": row(GET=API_EVERYONE),
    "api_docs": row(GET=EVERYONE),
    # --- health, static files, accounts -----------------------------------------------------
    "healthz": row(GET=ANYONE),  # load balancers probe it without a session
    "/static/": row(path="/static/css/clientfirst.css", GET=ANYONE),  # WhiteNoise, public
    "login": row(GET=ANYONE, POST=ANYONE),
    "logout": row(GET="405 405 405 405 405 405", POST="302 302 302 302 302 302"),
    "profile": row(GET=EVERYONE, POST=EVERYONE),
    # Each person's own reminder switch: a form's target, no page.
    "profile_reminder": row(GET=POST_ONLY, POST="302 302 302 302 302 LOGIN"),
    "token_revoke": row("token", GET="200 404 404 404 404 LOGIN",
                        POST="302 404 404 404 404 LOGIN"),
    # Each person's own other sessions; nothing to see there.
    "sessions_end_others": row(GET=POST_ONLY, POST="302 302 302 302 302 LOGIN"),
    "password_change": row(GET=EVERYONE, POST=EVERYONE),
    "password_change_done": row(GET=EVERYONE),
    "password_reset": row(GET=ANYONE, POST=ANYONE),
    "password_reset_done": row(GET=ANYONE),
    # The link e-mailed to alice: the token is the authorisation, whoever opens it; Django
    # puts it in the session and moves on to the form (a 302 either way).
    "password_reset_confirm": row(
        kwargs=lambda w: {"uidb64": w.reset_uid, "token": w.reset_token},
        GET="302 302 302 302 302 302", POST="302 302 302 302 302 302",
    ),
    "password_reset_complete": row(GET=ANYONE),
}


# --- the world: alice's things, and a signed-in test client per role ---------------------


@dataclass
class World:
    cast: object
    entry: object
    activity: object
    engagement: object
    client: object
    outcome: object
    measurement: object
    upload: object
    batch: object
    run: object
    saved: object
    token: object
    unsubscribe_token: str
    reminder_token: str
    reset_uid: str
    reset_token: str
    contact: object = None
    confirm_token: str = ""
    clients: dict = field(default_factory=dict)  # a test client per role, signed in
    api_tokens: dict = field(default_factory=dict)  # a token's secret per role

    def person(self, role: str):
        return {"alice": self.cast.consultant, "bob": self.cast.teammate,
                "maria": self.cast.manager, "omar": self.cast.other_manager,
                "root": self.cast.admin}[role]

    def __getitem__(self, name):
        """For str.format_map: "{alice.pk}", "{outcome.pk}" in a query or a body."""
        return self.person(name) if name in ROLES else getattr(self, name)


@pytest.fixture
def world(cast, settings) -> World:
    # WhiteNoise serves /static/ from the finders as under `make run` (DEBUG is off in tests).
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    cache.clear()  # the API's throttle counts
    alice, maria = cast.consultant, cast.manager
    monday = dt.date(2026, 11, 2)
    firm = cast.engagement.client
    firm.name = "Revenue Agency"
    firm.save()
    entry = TimeEntryFactory(consultant=alice, date=monday, kind=Kind.CLIENT,
                             engagement=cast.engagement, note="kick-off workshop")
    activity = ActivityFactory(consultant=alice, date=monday, title="People-first tax forms")
    outcome = OutcomeFactory(engagement=cast.engagement, title="Faster refunds")
    measurement = OutcomeMeasurementFactory(outcome=outcome, recorded_by=alice)
    services.week_submit(consultant=alice, week_start=monday)
    # Imports are a manager's work: maria's upload and batch of her team's time.
    upload = ImportUpload.objects.create(file_name="toggl.csv", sha256="0" * 64,
                                         format="toggl", uploaded_by=maria)
    batch = ImportBatch.objects.create(file_name="toggl.csv", sha256="0" * 64, format="toggl",
                                       created_by=maria, status=ImportBatch.Status.DONE)
    params = BalanceFilterForm({"period": "last_week"}, user=alice)
    assert params.is_valid()
    run = report_request(user=alice, params=params.params())
    assert report_build(run_id=run.pk)  # done: its page shows the report and exports it
    saved = saved_report_create(owner=alice, name="My last week", params=params.params(),
                                schedule="", recipients=[])
    world = World(
        cast=cast, entry=entry, activity=activity, engagement=cast.engagement,
        client=firm, outcome=outcome, measurement=measurement,
        upload=upload, batch=batch, run=run, saved=saved,
        token=None,
        unsubscribe_token=unsubscribe_token(alice, dt.date(2026, 11, 16)),
        reminder_token=unsubscribe_token(alice, dt.date(2026, 11, 16), "reminder"),
        reset_uid=urlsafe_base64_encode(force_bytes(alice.pk)),
        reset_token="",
    )
    # A contact at her client, asked about her outcome; a second answer published as a card.
    world.contact = ClientContactFactory(client=firm, name="Dana Okafor",
                                         email="dana@revenue.example")
    asked = {"outcome": outcome, "contact": world.contact, "asked_at": dt.datetime.now(dt.UTC),
             "figures": outcome.figures(), "figures_hash": outcome.figures_digest()}
    world.confirm_token = confirmation_token(ConfirmationRequest.objects.create(**asked))
    ConfirmationRequest.objects.create(**asked, decision="confirmed", consent_card=True,
                                       answered_at=asked["asked_at"],
                                       card_slug="card-of-alices-outcome")
    for role in ROLES:
        browser = Client(raise_request_exception=False)  # a 500 is an answer, named below
        if role != "anon":
            person = world.person(role)
            browser.force_login(person)
            token, secret = services.api_token_create(user=person, name="matrix")
            world.api_tokens[role] = secret
            if role == "alice":
                world.token = token
        world.clients[role] = browser
    # After her log-in: the token covers last_login, which a log-in changes.
    alice.refresh_from_db()
    world.reset_token = default_token_generator.make_token(alice)
    return world


# --- asking and answering -----------------------------------------------------------------


def patterns(resolver=None, prefix="", namespace=""):
    """(name, route, callback) of every URL pattern but the Django admin's."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            yield namespace + (entry.name or route), route, entry.callback


def url_of(name: str, spec: Row, world: World, *, pk: int | None = None) -> str:
    if spec.path:
        return spec.path
    kwargs = spec.kwargs(world) if spec.kwargs else {}
    if spec.obj:
        kwargs["pk"] = pk or getattr(world, spec.obj).pk
    return reverse(name, kwargs=kwargs)


def formatted(value, world: World):
    if isinstance(value, list):
        return [formatted(item, world) for item in value]
    return value.format_map(world) if isinstance(value, str) else value


def ask(world: World, role: str, method: str, url: str, body: dict):
    """One request as `role`, in a savepoint rolled back after it, cookies put back."""
    client = world.clients[role]
    cookies = SimpleCookie()
    cookies.update(client.cookies)  # a log-out or a new session must not outlive the request
    api = url.startswith("/api/")
    headers = {}
    if api and role != "anon":
        headers["Authorization"] = f"Bearer {world.api_tokens[role]}"
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        elif api:
            response = client.generic(method, url, json.dumps(body),
                                      content_type="application/json", headers=headers)
        else:
            response = client.generic(method, url, urlencode(body, doseq=True),
                                      content_type="application/x-www-form-urlencoded",
                                      headers=headers)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response


def answer(response, url: str) -> str:
    """The status, or LOGIN for the log-in page coming back to `url`."""
    if response.status_code == 302:
        location = response["Location"]
        parts = urlsplit(location)
        if parts.path == "/accounts/login/" and parts.query.startswith("next="):
            back = unquote(parts.query.removeprefix("next="))
            return LOGIN if back == url else f"302 to the log-in page, back to {back}"
        return REDIRECT  # log-out goes to the log-in page, with no way back
    return str(response.status_code)


def cases(name: str, spec: Row, world: World, *, pk: int | None = None):
    """(method, url, body, role, expected) of a row (with `pk`: another object's address)."""
    if pk is not None and not spec.obj:
        return
    base = url_of(name, spec, world, pk=pk)
    query = formatted(spec.query, world)
    body = {key: formatted(value, world) for key, value in spec.body.items()}
    for method, statuses in spec.answers.items():
        verb, _, extra = method.partition(" ?")
        parts = "&".join(part for part in (query, formatted(extra, world)) if part)
        url = f"{base}?{parts}" if parts else base
        expected = statuses.split()
        assert len(expected) == len(ROLES), f"{name} {method}: {len(expected)} answers"
        for role, status in zip(ROLES, expected, strict=True):
            yield verb, url, body, role, status


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NOBODYS_PK = 2**31 - 1
# Whatever a page or an export shows these two, none of alice's things is in it.
STRANGERS = ("bob", "omar")
MARKERS = ("Tax portal", "Revenue Agency", "Faster refunds", "People-first tax forms",
           "kick-off workshop", "alice")


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_role_as_the_table_says(world, name):
    spec = ROUTES[name]
    wrong = []
    for method, url, body, role, expected in cases(name, spec, world):
        response = ask(world, role, method, url, body)
        got = answer(response, url)
        if got != expected:
            wrong.append(f"{role} {method} {url}: expected {expected}, got {got}")
        if role in STRANGERS and got.startswith("2") and not spec.names_her:
            content = b"".join(response) if response.streaming else response.content
            shown = [text for text in MARKERS if text.encode() in content]
            if shown:
                wrong.append(f"{role} {method} {url}: shows alice's {shown}")
    # Nothing there at all answers as out of reach does, even to an admin (who reaches all).
    for method, url, body, role, expected in cases(name, spec, world, pk=NOBODYS_PK):
        if role == "root" and expected != "405":
            got = answer(ask(world, role, method, url, body), url)
            if got != "404":
                wrong.append(f"{role} {method} {url} (no such object): got {got}, not 404")
    # The methods the row leaves out: the API refuses them (405; 401 before that without
    # credentials); a page may treat them as a GET, but nothing answers a server error.
    url = url_of(name, spec, world)
    listed = {method.partition(" ")[0] for method in spec.answers}
    for method in set(METHODS) - listed:
        for role in ("alice", "maria", "root", "anon"):  # bob and omar stop where omar does
            got = answer(ask(world, role, method, url, {}), url)
            if url.startswith("/api/v1/") and got != ("401" if role == "anon" else "405"):
                wrong.append(f"{role} {method} {url}: not in the row, yet answered {got}")
            elif got.startswith("5"):
                wrong.append(f"{role} {method} {url}: a server error, {got}")
    assert not wrong, f"{name}:\n" + "\n".join(wrong)


def rows_missing_and_gone(resolver=None) -> tuple[list[str], list[str]]:
    """The routes with no row in ROUTES, and the rows whose route is gone."""
    names = [name for name, _route, _callback in patterns(resolver)]
    assert len(names) == len(set(names)), f"two routes share a name: {sorted(names)}"
    names += [name for name, spec in ROUTES.items() if spec.path]  # served before the resolver
    return sorted(set(names) - set(ROUTES)), sorted(set(ROUTES) - set(names))


def test_every_route_has_a_row_and_every_row_a_route():
    missing, gone = rows_missing_and_gone()
    assert not missing, f"routes with no row in ROUTES (decide who may see them): {missing}"
    assert not gone, f"rows in ROUTES for routes that no longer exist: {gone}"


def test_a_route_added_without_a_row_or_removed_is_named():
    from django.http import HttpResponse
    from django.urls import path
    from django.urls.resolvers import RegexPattern

    def new_page(request):
        return HttpResponse("who may see this?")

    today = list(get_resolver().url_patterns)
    added = URLResolver(RegexPattern(r"^/"), [*today, path("new/", new_page, name="new_page")])
    assert rows_missing_and_gone(added) == (["new_page"], [])
    healthz = [entry for entry in today if getattr(entry, "name", "") == "healthz"]
    removed = URLResolver(RegexPattern(r"^/"), [e for e in today if e not in healthz])
    assert rows_missing_and_gone(removed) == ([], ["healthz"])


def test_each_marker_the_strangers_must_not_see_is_on_alices_pages(world):
    """The strangers' check means something: alice's lists show every marker."""
    pages = b"".join(
        ask(world, "alice", "GET", url, {}).content
        for url in ("/time/", "/activities/", "/clients/", "/engagements/", "/outcomes/",
                    "/api/v1/me/")
    )
    assert [text for text in MARKERS if text.encode() not in pages] == []


def allowed_methods(callback) -> set[str] | None:
    """The methods an API view answers (DRF knows them); None for other views."""
    view_class = getattr(callback, "cls", None)
    if view_class is None:
        return None
    view = view_class()
    return set(view.allowed_methods) - {"HEAD", "OPTIONS"}


def test_every_method_an_api_route_takes_has_its_answers():
    wrong = []
    for name, route, callback in patterns():
        methods = allowed_methods(callback)
        if methods is None or name not in ROUTES:
            continue
        listed = {method.partition(" ")[0] for method in ROUTES[name].answers}
        if listed | {"GET"} != methods | {"GET"}:  # GET is always asked
            wrong.append(f"{name} ({route}): takes {sorted(methods)}, the row has {sorted(listed)}")
    assert not wrong, "\n".join(wrong)
