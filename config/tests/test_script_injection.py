"""Script typed into any free-text field never runs: not in a page, a preview or an e-mail.

Every free-text column of every model holds a probe that breaks out of text and of quoted
attributes. Two of them are typed through the forms, as the security review did; the rest
are written to the rows, as an import, the admin or the API could. Then the consultant, the
manager and the admin walk every page they can reach from the menus (two links deep), and
the digests and a saved report are rendered: the probe's tag must never come out raw in
HTML. In the plain-text parts it must come out exactly as typed.
"""

import datetime as dt
import html
import re

import pytest
from django.apps import apps
from django.core import mail
from django.db import models

from clients.tests.factories import OutcomeFactory, OutcomeMeasurementFactory
from reports.digests import digest_message
from reports.models import DigestDelivery, ReportRun, SavedReport
from reports.saved import saved_report_send
from tracker.models import ImportBatch, Kind
from tracker.tests.factories import TimeEntryFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)),
]

PROBE = "'\"><xss-probe x=1>"
RAW = "<xss-probe"  # what would reach a browser as a tag of its own
DAY = "2026-11-03"  # in last week, the digests' week
WEEK = "2026-W45"

# Not free text: identifiers, secrets and validated values a person cannot fill with markup.
NOT_FREE_TEXT = {"password", "session_epoch", "username", "timezone", "message_id",
                "kind"}  # kind: the rollup's
MAX_PAGES_PER_ROLE = 250


def free_text_fields(model) -> list[str]:
    return [
        field.name for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not isinstance(field, models.EmailField | models.URLField)
        and field.name not in NOT_FREE_TEXT
    ]


def fill_every_free_text_field() -> int:
    """Overwrite every free-text value of every row with the probe; return how many."""
    filled = 0
    for config in ("tracker", "clients", "reports"):
        for model in apps.get_app_config(config).get_models():
            names = free_text_fields(model)
            if not names:
                continue
            for row in model.objects.all():
                for name in names:
                    # The row's id keeps unique names unique.
                    setattr(row, name, f"{PROBE}{row.pk}"[:model._meta.get_field(name).max_length
                                                         or None])
                row.save(update_fields=names)
                filled += len(names)
    return filled


@pytest.fixture
def hostile(cast, client):
    client.force_login(cast.consultant)
    response = client.post("/activities/new/", {
        "kind": "talk", "title": PROBE, "date": DAY, "venue": PROBE, "url": "",
        "audience": "120", "interactions": "3", "leads": "1", "note": PROBE,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/time/new/", {
        "date": DAY, "seconds": "2:00", "kind": Kind.CLIENT, "engagement": cast.engagement.pk,
        "note": PROBE, "billable": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    TimeEntryFactory(consultant=cast.consultant, date=dt.date(2026, 11, 4), seconds=3 * 3600,
                     kind=Kind.PROMOTION)
    outcome = OutcomeFactory(engagement=cast.engagement, status="achieved",
                             achieved_on=dt.date(2026, 11, 4), confirmed_by="x",
                             confirmed_on=dt.date(2026, 11, 5))
    OutcomeMeasurementFactory(outcome=outcome, date=dt.date(2026, 11, 4),
                              recorded_by=cast.consultant)
    ReportRun.objects.create(requested_by=cast.manager, params={"period": "last_week"},
                             status=ReportRun.Status.FAILED, error="x")
    SavedReport.objects.create(owner=cast.manager, name="x", params={"period": "last_week"})
    DigestDelivery.objects.create(recipient=cast.consultant, week_start=dt.date(2026, 10, 26),
                                  status=DigestDelivery.Status.FAILED, last_error="x")
    ImportBatch.objects.create(file_name="x.csv", sha256="0" * 64, format="toggl",
                               created_by=cast.manager, status=ImportBatch.Status.FAILED,
                               errors=[f"row 2, column Note: {PROBE}"])
    assert fill_every_free_text_field() > 20
    client.logout()
    return cast


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'(?:href|action|src)="([^"]*)"', page)]


def walk(client, user, seeds: list[str]) -> int:
    """Every same-site page two links deep from the seeds; the probe never raw. Returns pages."""
    client.force_login(user)
    seen, frontier = set(), list(seeds)
    for _depth in range(3):
        found = []
        for url in frontier:
            if url in seen or len(seen) >= MAX_PAGES_PER_ROLE:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, url
            if "html" not in response.get("Content-Type", ""):
                continue
            page = response.content.decode()
            assert RAW not in page, f"{user.username}: {url} shows the probe unescaped"
            found += [
                link for link in links(page)
                if link.startswith("/") and not link.startswith(("/admin/", "/static/"))
                and "logout" not in link and "_export" not in link
            ]
        frontier = found
    return len(seen)


def test_no_page_shows_typed_script_raw(client, hostile):
    cast = hostile
    seeds = [
        "/", f"/?week={WEEK}", "/time/", "/activities/", "/outcomes/", "/engagements/",
        "/clients/", "/reports/", "/reports/saved/", "/digests/preferences/", "/imports/",
        f"/reports/balance/?period=custom&start={DAY}&end=2026-11-08",
        f"/digests/preview/?week={WEEK}",
    ]
    previews = [
        f"/digests/preview/?week={WEEK}&user={cast.consultant.pk}&part={part}"
        for part in ("text", "html", "")
    ]
    assert walk(client, cast.consultant, seeds) > 30
    assert walk(client, cast.manager, seeds + previews) > 40
    assert walk(client, cast.admin, seeds + previews) > 40


def test_the_reviewed_preview_escapes_the_text_part(client, hostile):
    """The review's reproduction: the manager's "Plain text" tab of a consultant's digest."""
    client.force_login(hostile.manager)
    url = f"/digests/preview/?week={WEEK}&user={hostile.consultant.pk}"
    page = client.get(url + "&part=text").content.decode()
    assert RAW not in page
    assert html.escape(PROBE) in page  # the title is there, as text
    alone = client.get(url + "&part=html")
    assert RAW not in alone.content.decode()
    # The HTML part on its own is the e-mail, not the app: no script of any kind runs in it.
    assert alone["Content-Security-Policy"] == "sandbox"


def test_emails_escape_html_and_keep_text_as_typed(hostile):
    for user in (hostile.consultant, hostile.manager):
        message = digest_message(user=user, week_start=dt.date(2026, 11, 2))
        assert RAW not in message.alternatives[0][0]
        assert PROBE in message.body, "the plain-text part shows names as typed"
        # Plain strings: a page that shows them escapes them.
        for part in (message.subject, message.body, message.alternatives[0][0]):
            assert type(part) is str


def test_saved_report_subject_is_the_name_as_typed(hostile):
    saved = SavedReport.objects.create(
        owner=hostile.manager, name="R&D <team>", params={"period": "last_week"},
        schedule=SavedReport.Schedule.WEEKLY,
    )
    saved.recipients.set([hostile.manager])
    assert saved_report_send(saved_report_id=saved.pk, today=dt.date(2026, 11, 9)) == 1
    message = mail.outbox[-1]
    assert message.subject.startswith("R&D <team>: ")
    assert message.body.startswith("R&D <team> — balance report")
    assert "R&amp;D &lt;team&gt;" in message.alternatives[0][0]


def test_a_name_with_a_line_break_is_refused_next_to_its_field(client, cast):
    client.force_login(cast.manager)
    response = client.post("/reports/saved/", {
        "f-period": "last_week", "f-team": cast.team.pk, "name": "Weekly\r\nBcc: x@example.test",
        "schedule": "weekly", "recipients": [cast.manager.pk],
    })
    assert response.status_code == 400  # the page's answer to a refused save
    assert not SavedReport.objects.exists()
    assert "no line breaks" in response.content.decode()
    client.force_login(cast.consultant)
    response = client.post("/activities/new/", {
        "kind": "talk", "title": "Talk\u202eevil", "venue": "Hall\u2028B", "date": DAY,
        "audience": "1",
        "interactions": "0", "leads": "0",
    })
    errors = response.context["form"].errors
    assert errors["title"] == errors["venue"] == [
        "Use one line of plain text: no line breaks, tabs or control characters."
    ]


def test_a_name_saved_with_a_line_break_before_the_rule_still_mails(cast):
    saved = SavedReport.objects.create(
        owner=cast.manager, name="Team\r\nweekly", params={"period": "last_week"},
        schedule=SavedReport.Schedule.WEEKLY,
    )
    saved.recipients.set([cast.manager])
    assert saved_report_send(saved_report_id=saved.pk, today=dt.date(2026, 11, 9)) == 1
    assert mail.outbox[-1].subject.startswith("Team weekly: ")


def test_pages_allow_only_their_own_scripts(client, cast):
    """A second wall: markup that slipped through unescaped could not run a script."""
    client.force_login(cast.manager)
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    assert client.get("/accounts/login/")["Content-Security-Policy"] == policy
    alone = client.get(f"/digests/preview/?week={WEEK}&part=html")
    assert alone["Content-Security-Policy"] == "sandbox"  # a view's own policy is kept
