from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.limits import MAX_API_TOKEN_DAYS
from tracker.models import User
from tracker.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create or revoke a person's API token (the token is printed once, on the last line)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="make a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", required=True, help="what the token is for")
        create.add_argument("--expires", type=int, metavar="DAYS",
                            help="days until the token stops working (default: never)")
        revoke = actions.add_parser("revoke", help="revoke a token by its name")
        revoke.add_argument("username")
        revoke.add_argument("--name", required=True)

    def handle(self, *args, action, username, name, expires=None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if action == "revoke":
            if not api_token_revoke(user=user, name=name):
                raise CommandError(f"{username} has no active token named {name!r}")
            self.stdout.write(f"Revoked {username}'s token {name!r}.")
            return
        if expires is not None and not 1 <= expires <= MAX_API_TOKEN_DAYS:
            raise CommandError(f"--expires must be from 1 to {MAX_API_TOKEN_DAYS} days")
        try:
            token, secret = api_token_create(user=user, name=name, expires_in_days=expires)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        until = (
            f"until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
        )
        self.stdout.write(f"Token {name!r} for {username}, {until}. It is shown only now:")
        self.stdout.write(secret)
