"""API clients for the permission matrices: a person's Bearer token, a revoked one, nobody."""

from rest_framework.test import APIClient

from tracker.models import ApiToken
from tracker.services import api_token_create, api_token_revoke

# The fixed cast (conftest.py), as the matrices name them.
PEOPLE = ("consultant", "teammate", "manager", "other_manager", "outsider", "admin")


def bearer(user) -> APIClient:
    name = f"script {ApiToken.objects.filter(user=user).count()}"
    _, secret = api_token_create(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def revoked(user) -> APIClient:
    client = bearer(user)
    api_token_revoke(user=user, name=ApiToken.objects.filter(user=user).latest("pk").name)
    return client


def as_who(cast, who: str) -> APIClient:
    """`who` is one of PEOPLE, "anonymous", or "revoked" (alice's token, revoked)."""
    if who == "anonymous":
        return APIClient()
    if who == "revoked":
        return revoked(cast.consultant)
    return bearer(getattr(cast, who))


def page_ids(client, url: str) -> set[int]:
    """The ids a list page shows (its django-tables2 table), for a Django test client."""
    table = client.get(url).context["table"]
    return {row.record.pk for row in table.page.object_list}
