"""Passwords are stored as Argon2id at OWASP's parameters (config/hashers.py), and older
hashes are rewritten at the next log-in. The test settings hash with MD5 for speed; these
tests put the production list back."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from config.settings import base
from tracker.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def logs_in(username: str, password: str) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS


def test_a_new_password_is_stored_as_argon2id_with_owasps_parameters(production_hashers):
    person = UserFactory(username="carol")
    person.set_password("correct horse battery")
    person.save()
    assert person.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert "correct horse" not in person.password
    assert logs_in("carol", "correct horse battery")
    assert not logs_in("carol", "correct horse batter")


def test_a_pbkdf2_password_from_before_logs_in_and_is_rewritten_as_argon2id(production_hashers):
    person = UserFactory(username="dave")
    person.password = PBKDF2PasswordHasher().encode("old secret 1", "saltsaltsalt")
    person.save()

    assert logs_in("dave", "old secret 1")
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$")
    assert logs_in("dave", "old secret 1")
