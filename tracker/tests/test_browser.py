import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_consultant_logs_in_and_sees_their_week(cast, log_in):
    page = log_in(cast.consultant)
    assert page.title() == "My week · ClientFirst"
    assert page.get_by_role("heading", name="My week").is_visible()
    assert "0.00 h logged of 40.0 h capacity" in page.content()
