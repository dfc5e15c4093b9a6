"""What schemathesis found in /api/ (config/tests/test_api_schemathesis.py), one test each:
the errors every operation can meet are in the schema, an unknown /api/ path answers JSON,
a filter's bad value is refused, and the schema says what requests and responses carry."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tracker.models import Kind

from .factories import TimeEntryFactory
from .test_api import DAY, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(public=True)


@pytest.mark.parametrize(("path", "method", "statuses"), [
    ("/api/v1/me/", "get", {"200", "401", "429"}),
    ("/api/v1/time-entries/", "get", {"200", "400", "401", "404", "429"}),
    # 409: a write of time into an approved week.
    # 200: a retry with an Idempotency-Key already used answers the entry logged then.
    ("/api/v1/time-entries/", "post", {"200", "201", "400", "401", "403", "409", "429"}),
    ("/api/v1/time-entries/{id}/", "get", {"200", "401", "404", "429"}),
    ("/api/v1/time-entries/{id}/", "patch", {"200", "400", "401", "403", "404", "409", "429"}),
    ("/api/v1/time-entries/{id}/", "delete", {"204", "401", "403", "404", "409", "429"}),
    ("/api/v1/reports/balance/", "get", {"200", "400", "401", "404", "429"}),
])
def test_schema_lists_every_status_an_operation_answers(openapi, path, method, statuses):
    responses = openapi["paths"][path][method]["responses"]
    assert set(responses) == statuses
    if "429" in responses:
        assert responses["429"]["headers"]["Retry-After"]["required"] is True


def test_an_empty_filter_is_documented_as_no_filter(cast, openapi):
    parameters = openapi["paths"]["/api/v1/time-entries/"]["get"]["parameters"]
    assert all(p["allowEmptyValue"] for p in parameters if p["in"] == "query")
    TimeEntryFactory(consultant=cast.consultant, date=DAY)
    response = bearer(cast.consultant).get("/api/v1/time-entries/?start=&kind=")
    assert response.status_code == 200 and len(response.json()["results"]) == 1


def test_a_path_under_api_that_matches_nothing_answers_json_404(cast, settings):
    settings.DEBUG = False
    client = bearer(cast.consultant)
    for path in ("/api/v1/time-entries/abc/", "/api/v1/time-entries/-1/", "/api/v1/nothing/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("value", ["maybe", "-58800", "yes please"])
def test_a_billable_filter_neither_true_nor_false_is_refused(cast, value):
    # It used to be read as "any", listing every entry to a script that asked for some.
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.INTERNAL, date=DAY)
    response = bearer(cast.consultant).get(f"/api/v1/time-entries/?billable={value}")
    assert response.status_code == 400
    assert "billable" in response.json()


@pytest.mark.parametrize(("value", "listed"), [("true", 1), ("false", 1), ("", 2)])
def test_billable_true_false_or_empty_still_filter(cast, value, listed):
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.CLIENT, engagement=cast.engagement,
                     billable=True, date=DAY)
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.INTERNAL, date=DAY)
    response = bearer(cast.consultant).get(f"/api/v1/time-entries/?billable={value}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == listed


def test_the_time_list_page_refuses_a_bad_billable_value_too(client, cast):
    TimeEntryFactory(consultant=cast.consultant, kind=Kind.INTERNAL, date=DAY)
    client.force_login(cast.consultant)
    response = client.get("/time/?billable=maybe")
    assert response.status_code == 200
    assert "Choose true or false." in response.content.decode()


def test_a_blank_duration_is_out_of_the_request_schema(openapi):
    # It was documented as any string, and "" answered 400.
    schemas = openapi["components"]["schemas"]
    assert schemas["TimeEntryRequest"]["properties"]["duration"]["minLength"] == 1
    assert schemas["PatchedTimeEntryRequest"]["properties"]["duration"]["minLength"] == 1


def test_an_entry_read_back_always_has_every_field_and_a_true_or_false_billable(cast, openapi):
    entry_schema = openapi["components"]["schemas"]["TimeEntry"]
    assert "duration" not in entry_schema["properties"]
    assert set(entry_schema["required"]) == set(entry_schema["properties"])
    assert entry_schema["properties"]["billable"] == {"type": "boolean"}
    entry = TimeEntryFactory(consultant=cast.consultant, date=DAY)
    body = bearer(cast.consultant).get(f"/api/v1/time-entries/{entry.pk}/").json()
    assert set(body) == set(entry_schema["properties"]) and body["billable"] is False
