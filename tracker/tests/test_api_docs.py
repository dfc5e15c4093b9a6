"""/api/docs/ (Swagger UI from local files, under the site's script policy) and who may read
it and /api/schema/."""

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tracker.services import api_token_create

DOCS = "/api/docs/"


@pytest.mark.django_db
def test_signed_out_docs_send_to_log_in_and_the_schema_answers_401(cast):
    docs = Client().get(DOCS)
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    assert APIClient().get("/api/schema/").status_code == 401
    assert Client().get("/api/schema/", {"format": "json"}).status_code == 401


@pytest.mark.django_db
def test_docs_page_uses_local_files_and_no_inline_script(cast):
    client = Client()
    client.force_login(cast.consultant)
    page = client.get(DOCS)
    assert page.status_code == 200
    site = client.get("/")["Content-Security-Policy"]
    # The site's policy, unchanged: no inline script, no eval.
    assert sorted(page["Content-Security-Policy"].split("; ")) == sorted(site.split("; "))
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html
    assert "<script>" not in html  # every script has a src: 'self' allows it
    script = client.get(DOCS, {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # no schema sent to swagger.io


@pytest.mark.django_db
def test_a_token_reads_the_schema_with_its_title_and_bearer_scheme(cast):
    _, secret = api_token_create(user=cast.consultant, name="codegen")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    assert schema["info"]["title"] == "ClientFirst API"
    assert schema["info"]["version"] == "1"
    assert "/accounts/profile/" in schema["info"]["description"]
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in schema["paths"]["/api/v1/me/"]["get"]["security"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_swagger_ui_renders_from_this_server_alone(cast, log_in, live_server):
    page = log_in(cast.consultant)
    requested, refused, problems = [], [], []
    local = urlsplit(live_server.url).hostname

    def only_local(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == local:
            requested.append(url)
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda message: message.type in ("error", "warning")
            and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}{DOCS}")
    # Swagger UI drew the operations from /api/schema/.
    page.locator(".opblock-summary-path", has_text="/api/v1/time-entries/").first.wait_for()
    assert page.locator(".info .title").inner_text().startswith("ClientFirst API")
    # The page has no site menu: its description links the way back and the token page.
    assert page.locator(".info a", has_text="Back to ClientFirst").get_attribute("href") == "/"
    assert page.locator(".info a", has_text="profile page").get_attribute(
        "href") == "/accounts/profile/"
    assert refused == []
    assert any("/api/schema/" in url for url in requested)
    assert not [text for text in problems if "Content Security Policy" in text
                or "Refused to" in text], problems
