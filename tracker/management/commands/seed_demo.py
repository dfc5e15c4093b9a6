"""Deterministic demo data ending last week.

    python manage.py seed_demo [--consultants 40] [--weeks 26] [--seed 42] [--if-empty]

Teams of about 8 consultants with a manager each, their clients (with a contact or two) and
engagements (with budgets, outcomes and measurements; about half of the achieved outcomes
confirmed by the client through the link, a few disputed or still awaiting an answer),
promotion activities, and about 5 time entries per consultant per workday. A few
consultants (about 1 in 15) are "all brand and no client": mostly promotion, little client
time, no outcome achieved.

The same seed gives the same data for the same "last week": every choice comes from one
`random.Random(seed)` walked in a fixed order, and nothing depends on database ids. The
whole plan except the time entries is built in memory first; the entries are then generated
a week at a time and streamed into the database (COPY on PostgreSQL, bulk_create elsewhere),
so a million of them need little memory. Everything is written in one transaction.

The plan and the writing live in the tracker.demo package; this command checks its arguments,
calls it and prints what it wrote and the demo log-ins.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.demo.load import Laps, plan_write
from tracker.demo.plan import DemoPlan
from tracker.demo.vocabulary import DEMO_PASSWORD, LOGIN_ADMIN, LOGIN_CONSULTANT, LOGIN_MANAGER
from tracker.models import User


class Command(BaseCommand):
    help = (
        "Seed deterministic demo data ending last week: teams, clients, engagements, outcomes, "
        "activities and about 5 time entries per consultant per workday."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultants", type=int, default=40, help="default 40")
        parser.add_argument("--weeks", type=int, default=26, help="default 26")
        parser.add_argument("--seed", type=int, default=42, help="default 42")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the log-ins) when the database already has users.",
        )

    def handle(self, *args, consultants, weeks, seed, if_empty, **options):
        if consultants < 1:
            raise CommandError("--consultants must be at least 1.")
        if weeks < 1:
            raise CommandError("--weeks must be at least 1.")
        if User.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already present; not seeding again.")
                self._print_logins()
                return
            raise CommandError(
                "The database already has users; seed_demo fills an empty database. "
                "Empty it first (manage.py flush), or pass --if-empty to skip seeding."
            )

        laps = Laps()
        plan = DemoPlan(consultants=consultants, weeks=weeks, seed=seed, today=timezone.localdate())
        laps.lap("plan")
        counts = plan_write(plan=plan, laps=laps)
        elapsed = laps.total

        if options["verbosity"] >= 2:
            self.stdout.write(f"Timings: {laps}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {consultants:,} consultants, {counts['teams']:,} teams "
                f"({counts['managers']:,} managers), {counts['clients']:,} clients, "
                f"{counts['engagements']:,} engagements, {counts['outcomes']:,} outcomes "
                f"({counts['measurements']:,} measurements; {counts['confirmations']:,} put to "
                f"the client, {counts['confirmed']:,} confirmed), {counts['contacts']:,} "
                f"client contacts, {counts['activities']:,} "
                f"activities and {counts['time entries']:,} time entries in {elapsed:.1f} s "
                f"({plan.period_start:%d %b %Y} to {plan.period_end:%d %b %Y})."
            )
        )
        self._print_logins()

    def _print_logins(self):
        users = {
            user.username: user
            for user in User.objects.filter(
                username__in=[LOGIN_CONSULTANT, LOGIN_MANAGER, LOGIN_ADMIN]
            ).select_related("team")
        }
        if not users:
            self.stdout.write("No demo log-ins: this database was not seeded by seed_demo.")
            return
        self.stdout.write(f'Demo log-ins (password "{DEMO_PASSWORD}"):')
        if consultant := users.get(LOGIN_CONSULTANT):
            team = f" in {consultant.team}" if consultant.team else ""
            self.stdout.write(f"  {LOGIN_CONSULTANT:<11} — {consultant}, a consultant{team}")
        if manager := users.get(LOGIN_MANAGER):
            teams = ", ".join(team.name for team in manager.managed_teams.all()) or "no team"
            self.stdout.write(f"  {LOGIN_MANAGER:<11} — {manager}, manager of {teams}")
        if LOGIN_ADMIN in users:
            self.stdout.write(f"  {LOGIN_ADMIN:<11} — administrator (Django admin at /admin/)")
