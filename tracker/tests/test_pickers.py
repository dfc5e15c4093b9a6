"""Menus that do not grow with the firm (tracker.pickers): the options endpoint answers
within the viewer's reach, and the report's and the time list's menus list a small reach in
full but search a large one, holding only the chosen option."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.tests.factories import ClientFactory, EngagementFactory
from tracker.models import User
from tracker.pickers import PICKER_LIMIT, SEARCH_MAX

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)),
]

REPORT = "/reports/balance/"


def labels(response) -> list[str]:
    return [row["label"] for row in response.json()["results"]]


def test_people_are_found_by_name_within_reach_only(client, cast):
    cast.consultant.first_name, cast.consultant.last_name = "Alice", "Tester"
    cast.consultant.save()
    client.force_login(cast.manager)
    assert labels(client.get("/options/person/", {"q": "ALI"})) == ["Alice Tester"]
    assert labels(client.get("/options/person/", {"q": "alice test"})) == ["Alice Tester"]
    assert labels(client.get("/options/person/", {"q": "alice"})) == ["Alice Tester"]
    assert "olga" not in str(client.get("/options/person/").json())  # another team's
    client.force_login(cast.teammate)  # no manager: only themselves
    assert client.get("/options/person/", {"q": "ali"}).json() == {"results": [], "more": False}
    client.force_login(cast.other_manager)
    assert labels(client.get("/options/client/", {"q": cast.engagement.client.name})) == []
    client.force_login(cast.admin)
    assert "Alice Tester" in labels(client.get("/options/person/"))


def test_the_answer_is_bounded_and_in_name_order(client, cast):
    User.objects.bulk_create(
        User(username=f"p{n:03}", email=f"p{n:03}@example.com", first_name="Pat",
             last_name=f"{n:03}")
        for n in range(60)
    )
    client.force_login(cast.admin)
    body = client.get("/options/person/", {"q": "pat", "limit": "1000"}).json()
    assert len(body["results"]) == SEARCH_MAX and body["more"] is True
    assert [row["label"] for row in body["results"]][:3] == ["Pat 000", "Pat 001", "Pat 002"]
    body = client.get("/options/person/", {"q": "pat", "limit": "nonsense"}).json()
    assert len(body["results"]) == 20
    assert client.get("/options/nothing/").status_code == 404


def test_the_options_take_one_query(client, cast, django_assert_max_num_queries):
    client.force_login(cast.manager)
    client.get("/options/person/")
    with django_assert_max_num_queries(4):  # the session, the user, their teams, the options
        assert client.get("/options/time-engagement/", {"q": "tax"}).status_code == 200


@pytest.fixture
def crowd(cast):
    """More people and clients in the manager's reach than a menu lists."""
    User.objects.bulk_create(
        User(username=f"member{n:03}", email=f"m{n:03}@example.com", first_name="Member",
             last_name=f"{n:03}", team=cast.team)
        for n in range(PICKER_LIMIT + 20)
    )
    for n in range(PICKER_LIMIT + 5):
        EngagementFactory(client=ClientFactory(name=f"Client {n:03}"), members=[cast.consultant])
    return cast


def test_a_small_reach_is_a_whole_menu_in_name_order(client, cast):
    for name in ("Zeta", "Alpha", "Mid"):  # made in another order than their names'
        EngagementFactory(name=name, client=cast.engagement.client, members=[cast.consultant])
    client.force_login(cast.manager)
    page = client.get(REPORT, {"period": "this_quarter"}).content.decode()
    assert "data-picker-menu" not in page
    assert f'<option value="{cast.teammate.pk}">' in page
    menu = client.get("/time/").context["filter"].form.fields["engagement"].choices
    names = [str(label).split(" — ")[-1] for _, label in list(menu)[1:]]
    assert names == ["Alpha", "Mid", "Tax portal", "Zeta"]


def test_a_large_reach_is_searched_and_the_page_holds_the_chosen_one(client, crowd):
    client.force_login(crowd.manager)
    page = client.get(REPORT, {"period": "this_quarter"}).content.decode()
    # (The report's table lists the team's people: the menus do not.)
    assert ">Member 150</option>" not in page and ">Client 150</option>" not in page
    assert 'data-options-url="/options/person/"' in page
    assert 'data-options-url="/options/client/"' in page
    chosen = User.objects.get(username="member150")
    response = client.get(REPORT, {"period": "this_quarter", "consultant": chosen.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert [row.consultant for row in response.context["report"].rows] == ["member150"]
    assert f'<option value="{chosen.pk}" selected>Member 150</option>' in page
    assert ">Member 151</option>" not in page
    # Out of reach is 404, as before: the menu's read names only the reach.
    assert client.get(REPORT, {"consultant": crowd.outsider.pk}).status_code == 404
    assert client.get(REPORT, {"consultant": "9" * 30}).status_code == 404


def test_without_javascript_a_search_lists_its_matches(client, crowd):
    client.force_login(crowd.manager)
    page = client.get(REPORT, {"period": "this_quarter", "consultant_search": "member 15"})
    page = page.content.decode()
    assert 'name="consultant_search"' in page and 'value="member 15"' in page
    assert ">Member 150</option>" in page and ">Member 159</option>" in page
    assert ">Member 160</option>" not in page


def test_the_page_does_not_grow_with_the_firm(client, cast, crowd):
    client.force_login(crowd.manager)
    response = client.get(REPORT, {"period": "this_quarter", "team": crowd.team.pk})
    page = response.content.decode()
    assert page.count("<option") < 40
    # The save form's recipients are searched too (checkboxes of everyone, else).
    assert 'data-picker-name="recipients"' in page and ' name="recipients"' not in page


def test_the_time_list_searches_a_large_reach(client, crowd):
    client.force_login(crowd.manager)
    page = client.get("/time/").content.decode()
    assert ">Member 150</option>" not in page and "Client 150" not in page
    assert 'data-options-url="/options/time-engagement/"' in page
    chosen = User.objects.get(username="member150")
    page = client.get("/time/", {"consultant": chosen.pk}).content.decode()
    assert f'<option value="{chosen.pk}" selected>Member 150</option>' in page
    assert client.get("/time/", {"consultant": crowd.outsider.pk}).status_code == 404


def test_the_report_menus_take_one_query(client, cast, crowd):
    client.force_login(crowd.admin)
    with CaptureQueriesContext(connection) as queries:
        client.get(REPORT, {"period": "this_quarter", "team": crowd.team.pk})
    menus = [q for q in queries.captured_queries if "UNION ALL" in q["sql"]
             and "picker_position" in q["sql"]]
    assert len(menus) == 1
    assert not any(q["sql"].startswith('SELECT "clients_client"') for q in queries.captured_queries)
