"""The Content-Security-Policy and the Permissions-Policy hold on every page of the product.

Every page a consultant, a manager, an admin and a signed-out visitor can open is listed in
`pages()`. Each is fetched with the test client (the headers are there, and the HTML carries no
inline script, no on*= handler and no style attribute) and then opened in Chromium with the
policy enforced: any violation the browser reports fails the test.
"""

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from clients.tests.factories import OutcomeFactory, OutcomeMeasurementFactory
from reports.models import ReportRun, SavedReport, report_key
from reports.services import report_build, report_request
from tracker.models import ImportBatch, ImportUpload, Kind
from tracker.services import activity_create, time_entry_create, timer_start

IMPORTS = Path(__file__).resolve().parents[2] / "tracker" / "tests" / "imports"
ROLES = ("consultant", "manager", "admin")

# The directives the policy must keep (issue 14): scripts from this server only, never framed.
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
OFF = ("camera", "microphone", "geolocation", "payment", "usb")



class InlineCode(HTMLParser):
    """What a page carries inline: <script> blocks that run (not JSON data), on*= handlers,
    style attributes; each as "tag attribute" (a srcdoc's markup is text, not tags)."""

    def __init__(self, html: str):
        super().__init__()
        self.scripts, self.handlers, self.styles = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.scripts.append(self.get_starttag_text())
        self.handlers += [f"{tag} {name}" for name, _ in attrs if name.startswith("on")]
        self.styles += [f"{tag} {value}" for name, value in attrs if name == "style"]


def directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.fixture
def product(cast, settings, tmp_path):
    """Something on every page: time, a running timer, an activity, an outcome with readings,
    a finished and a queued report run, a saved report, an upload and a queued import."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    today = timezone.localdate()
    last_week = today - dt.timedelta(days=7)
    entry = time_entry_create(consultant=cast.consultant, date=last_week, seconds=3 * 3600,
                              kind=Kind.CLIENT, engagement=cast.engagement, note="Discovery")
    time_entry_create(consultant=cast.consultant, date=last_week, seconds=3600,
                      kind=Kind.PROMOTION)
    time_entry_create(consultant=cast.consultant, date=today, seconds=2 * 3600,
                      kind=Kind.INTERNAL)
    activity = activity_create(consultant=cast.consultant, kind="talk", title="Meetup talk",
                               date=last_week, audience=40)
    timer_start(consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement)
    outcome = OutcomeFactory(engagement=cast.engagement)
    for days_ago, value in ((40, 11), (20, 14), (5, 17)):
        OutcomeMeasurementFactory(outcome=outcome, date=today - dt.timedelta(days=days_ago),
                                  value=value, recorded_by=cast.manager)
    params = {"period": "custom", "start": str(today - dt.timedelta(days=28)),
              "end": str(today), "team": cast.team.pk, "consultant": None, "client": None}
    done = report_request(user=cast.manager, params=params)
    report_build(run_id=done.pk)
    queued_params = {**params, "start": str(today - dt.timedelta(days=14))}
    queued = ReportRun.objects.create(requested_by=cast.manager, params=queued_params,
                                      params_key=report_key(queued_params), progress=40)
    SavedReport.objects.create(owner=cast.manager, name="Team weekly", params=params)
    upload = ImportUpload.objects.create(
        file=SimpleUploadedFile("toggl.csv", (IMPORTS / "toggl_detailed.csv").read_bytes()),
        file_name="toggl.csv", sha256="1" * 64, format="toggl", uploaded_by=cast.manager,
    )
    batch = ImportBatch.objects.create(file_name="older.csv", sha256="2" * 64, format="toggl",
                                       created_by=cast.manager, rows_read=10)
    done.refresh_from_db()
    assert done.status == ReportRun.Status.DONE, done.error
    return {
        "cast": cast, "entry": entry, "activity": activity, "outcome": outcome, "done": done,
        "queued": queued, "upload": upload, "batch": batch, "last_week": iso_week(last_week),
    }


def pages(product) -> dict[str, list[str]]:
    """Every page of the product, by the role that opens it ("anonymous": signed out)."""
    cast = product["cast"]
    entry, activity, outcome = product["entry"], product["activity"], product["outcome"]
    engagement, client = cast.engagement, cast.engagement.client
    week = product["last_week"]
    return {
        "consultant": [
            "/", f"/?week={week}", f"/week/cell/?week={week}&row=internal-0&day=0",
            "/time/timer/discard/", "/time/", "/time/new/", f"/time/{entry.pk}/edit/",
            f"/time/{entry.pk}/duplicate/", f"/time/{entry.pk}/delete/",
            "/activities/", "/activities/new/", f"/activities/{activity.pk}/",
            f"/activities/{activity.pk}/edit/", f"/activities/{activity.pk}/delete/",
            "/outcomes/", f"/outcomes/{outcome.pk}/", "/engagements/",
            f"/engagements/{engagement.pk}/", "/clients/", f"/clients/{client.pk}/",
            "/accounts/profile/", "/accounts/password_change/",
            "/digests/preferences/", f"/digests/preview/?week={week}", "/api/docs/",
        ],
        "manager": [
            "/history/", "/team/", "/weeks/", f"/weeks/{cast.consultant.username}/{week}/",
            "/reports/balance/?period=last_4_weeks", "/reports/",
            f"/reports/{product['done'].pk}/", f"/reports/{product['queued'].pk}/",
            "/reports/saved/",
            f"/digests/preview/?week={week}&user={cast.consultant.pk}",
            "/imports/", f"/imports/uploads/{product['upload'].pk}/",
            f"/imports/{product['batch'].pk}/",
            "/engagements/new/", f"/engagements/{engagement.pk}/edit/",
            f"/outcomes/new/?engagement={engagement.pk}", f"/outcomes/{outcome.pk}/edit/",
        ],
        "admin": [
            "/clients/new/", f"/clients/{client.pk}/edit/",
            "/admin/", f"/admin/tracker/user/{cast.consultant.pk}/change/",
            "/admin/tracker/timeentry/", f"/admin/tracker/timeentry/{entry.pk}/change/",
            "/admin/django_celery_beat/periodictask/add/",
        ],
        "anonymous": [
            "/accounts/login/", "/accounts/password_reset/", "/accounts/password_reset/done/",
            "/accounts/reset/MQ/not-a-token/",
        ],
    }


def client_for(product, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(product["cast"], role))
    return client


@pytest.mark.django_db
def test_every_page_has_the_policies_and_no_inline_script_handler_or_style(product):
    for role, urls in pages(product).items():
        client = client_for(product, role)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, f"{role} {url}: {response.status_code}"
            assert response.redirect_chain == [] or role == "anonymous", (role, url)
            policy = directives(response["Content-Security-Policy"])
            assert REQUIRED.items() <= policy.items(), f"{role} {url}: {policy}"
            assert "unsafe-inline" not in policy.get("script-src", "") + policy["default-src"]
            assert "Content-Security-Policy-Report-Only" not in response
            assert "camera=()" in response["Permissions-Policy"]
            inline = InlineCode(response.content.decode())
            assert not inline.scripts, f"{role} {url}: {inline.scripts}"
            assert not inline.handlers, f"{role} {url}: {inline.handlers}"
            assert not inline.styles, f"{role} {url}: {inline.styles}"


@pytest.mark.django_db
def test_the_framed_digest_keeps_its_own_styles_and_nothing_more(product):
    cast = product["cast"]
    client = client_for(product, "manager")
    url = f"/digests/preview/?week={product['last_week']}&user={cast.consultant.pk}"
    policy = directives(client.get(url)["Content-Security-Policy"])
    assert policy["style-src"] == "'self'" and policy["script-src"] == "'self'"
    allowed = policy["style-src-attr"].split()
    assert allowed[0] == "'unsafe-hashes'" and len(allowed) > 5  # one hash per distinct style
    assert all(item.startswith("'sha256-") for item in allowed[1:])
    # A page with no e-mail in it (a bad week) gets the site's policy.
    assert "style-src-attr" not in directives(
        client.get(url.replace(product["last_week"], "soon"))["Content-Security-Policy"])


@pytest.mark.django_db
def test_a_page_an_api_answer_a_404_and_a_static_file_carry_both_policies(cast, settings):
    # WhiteNoise serves from the finders as under `make run` (DEBUG is off in tests).
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    client = Client()
    client.force_login(cast.consultant)
    responses = {
        "page": client.get("/"),
        "api": client.get("/api/v1/me/"),
        "404": client.get("/no-such-page/"),
        "api 404": client.get("/api/v1/no-such-thing/"),
        "static": client.get("/static/css/clientfirst.css"),
        "log-in": Client().get("/accounts/login/"),
    }
    assert [response.status_code for response in responses.values()] == [
        200, 200, 404, 404, 200, 200]
    for name, response in responses.items():
        assert REQUIRED.items() <= directives(response["Content-Security-Policy"]).items(), name
        permissions = response["Permissions-Policy"]
        assert all(f"{feature}=()" in permissions for feature in OFF), name
        assert response["X-Content-Type-Options"] == "nosniff", name
    # The digest's HTML part alone keeps the sandbox its view sets.
    week = iso_week(timezone.localdate() - dt.timedelta(days=7))
    alone = client.get(f"/digests/preview/?week={week}&part=html")
    assert alone["Content-Security-Policy"] == "sandbox"
    assert "camera=()" in alone["Permissions-Policy"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_chromium_finds_no_violation_on_any_page(product, browser, live_server):
    """One context per role, the policy enforced; a violation anywhere fails."""
    host = urlsplit(live_server.url).netloc
    problems, seen, bars = [], [], 0
    watch = """
        window.__violations = [];
        document.addEventListener("securitypolicyviolation", (event) => {
            window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
        });
    """
    for role, urls in pages(product).items():
        context = browser.new_context()
        context.add_init_script(watch)
        page = context.new_page()
        page.set_default_timeout(10_000)
        url_now = {"url": ""}
        page.on("console", lambda message, now=url_now, role=role: (
            message.type in ("error", "warning")
            and ("Content Security Policy" in message.text or "Refused to" in message.text
                 or "Permissions-Policy" in message.text)
            and problems.append(f"{role} {now['url']}: {message.text}")))
        page.on("pageerror", lambda error, now=url_now, role=role: problems.append(
            f"{role} {now['url']}: {error}"))
        if role != "anonymous":
            user = getattr(product["cast"], role)
            page.goto(f"{live_server.url}/accounts/login/")
            page.get_by_label("Username").fill(user.username)
            page.get_by_label("Password").fill("secret-pass-123")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{live_server.url}/")
        for url in urls:
            url_now["url"] = url
            response = page.goto(f"{live_server.url}{url}", wait_until="load")
            assert response.status == 200, (role, url, response.status)
            header = response.header_value("content-security-policy") or ""
            assert "script-src 'self'" in header, (role, url)
            if url == "/api/docs/":
                page.locator(".opblock-summary-path").first.wait_for()
            if url.startswith("/digests/preview/"):
                page.frame_locator("iframe").locator("body").wait_for()
            problems.extend(f"{role} {url}: {violation}"
                            for violation in page.evaluate("window.__violations"))
            # Bars get their widths from static/js/widths.js, not from style attributes.
            widths = page.evaluate("""[...document.querySelectorAll("[data-width]")]
                .map((bar) => [bar.getAttribute("data-width"), bar.style.width])""")
            assert all(applied.endswith("%") and float(applied[:-1]) == float(wanted)
                       for wanted, applied in widths), (role, url, widths)
            bars += len(widths)
            seen.append(url)
            assert urlsplit(page.url).netloc == host
        context.close()
    assert not problems, "\n".join(problems)
    assert len(seen) == sum(len(urls) for urls in pages(product).values())
    assert bars >= 5  # My week's, the engagement's burn, the outcome's, the queued run's...


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_the_periodic_task_form_still_reads_out_the_crontab(cast, log_in, live_server):
    """django-celery-beat's inline script, moved to static/js/periodic_task_form.js."""
    from django_celery_beat.models import CrontabSchedule

    crontab = CrontabSchedule.objects.create(minute="5", hour="*")
    page = log_in(cast.admin)
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and violations.append(message.text))
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
    page.locator("#id_crontab").select_option(str(crontab.pk))
    help_text = page.locator(".field-crontab .help").inner_text()
    assert "Translation: At 5 minutes past the hour" in help_text, help_text
    assert violations == []
