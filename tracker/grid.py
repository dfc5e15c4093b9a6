"""The week grid on My week: rows of (kind, engagement or activity) × seven days.

A cell is the total of that row's entries on that day. Saving the grid is one transaction
(services.time_entries_save_week): a cell typed over a single entry updates it, an emptied
cell deletes its entries, a new value creates an entry; one bad cell saves nothing and is
marked.

Each cell posts, beside what is typed, the time it showed (`was-<cell name>`): only the cells
the person changed on the page are written, and a changed cell whose time was changed
meanwhile (another tab, another device) is refused with the time saved now, never saved over.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from clients.models import Engagement

from .durations import DurationError, format_duration, parse_duration
from .models import KIND_VALUES, Activity, Kind, TimeEntry
from .rules import time_entry_errors
from .services import WeekCellChange, time_entries_save_week
from .week import DAYS


@dataclass(frozen=True)
class RowKey:
    kind: str
    engagement_id: int | None = None
    activity_id: int | None = None

    @property
    def token(self) -> str:
        target = self.engagement_id if self.kind == Kind.CLIENT else self.activity_id
        return f"{self.kind}-{target or 0}"

    @classmethod
    def from_token(cls, token: str) -> "RowKey":
        kind, _, target = token.partition("-")
        if kind not in KIND_VALUES or not target.isdigit():
            raise ValueError(token)
        target_id = int(target) or None
        if kind == Kind.CLIENT:
            if target_id is None:
                raise ValueError(token)
            return cls(kind, engagement_id=target_id)
        if kind == Kind.PROMOTION:
            return cls(kind, activity_id=target_id)
        if target_id is not None:
            raise ValueError(token)
        return cls(kind)

    def timer_data(self) -> dict[str, str]:
        """The timer start form's fields for a timer on this row (client work billable)."""
        data = {"timer-kind": self.kind}
        if self.engagement_id:
            data.update({"timer-engagement": str(self.engagement_id), "timer-billable": "on"})
        if self.activity_id:
            data["timer-activity"] = str(self.activity_id)
        return data


def row_label(key: RowKey, engagement: Engagement | None, activity: Activity | None) -> str:
    """What a row of the grid is called: its engagement, its activity, or its kind."""
    if key.kind == Kind.CLIENT:
        return str(engagement) if engagement else f"Engagement #{key.engagement_id}"
    if key.kind == Kind.PROMOTION:
        if key.activity_id is None:
            return "Promotion (general)"
        return f"Promotion: {activity.title}" if activity else "Promotion"
    return "Internal"


@dataclass
class Cell:
    day: dt.date
    name: str
    seconds: int = 0
    entry_ids: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # the notes of its entries, for its title
    value: str = ""
    error: str = ""
    new_seconds: int | None = None  # once bound: what the typed value would make it
    was_seconds: int | None = None  # once bound: the time the page showed when it was opened

    @property
    def was_name(self) -> str:
        return f"was-{self.name}"

    @property
    def shown_seconds(self) -> int:
        """The saved time, or after a refused save what was typed; a cell the save refused
        (unreadable, past 24 h, approved meanwhile, changed meanwhile) counts as saved, as
        week_grid.js counts it."""
        return self.seconds if self.new_seconds is None or self.error else self.new_seconds


@dataclass
class Row:
    key: RowKey
    label: str
    cells: list
    engagement: Engagement | None = None
    activity: Activity | None = None
    from_new_line: bool = False  # added by this save from one of the new lines

    @property
    def total_seconds(self) -> int:
        return sum(cell.shown_seconds for cell in self.cells)


@dataclass
class NewLine:
    """An empty line under the grid: choose what it is for, type its hours."""

    number: int
    cells: list
    token: str = ""
    error: str = ""

    @property
    def select_name(self) -> str:
        return f"new-row-{self.number}"


def _was_seconds(data, was_name: str, default: int) -> int:
    """The seconds a cell showed when the page was opened, as posted beside it; `default`
    (what is saved now) for a post without it, e.g. a script that sends only its changes."""
    try:
        return int(data.get(was_name, ""))
    except ValueError:
        return default


def _changed_on_page(data, name: str) -> bool:
    typed = data.get(name, "").strip()
    return typed != format_duration(_was_seconds(data, f"was-{name}", 0))


NEW_LINES = 3  # empty lines offered under the grid; more rows are added by saving
CELL_NAME = re.compile(r"^cell-((?:client|promotion|internal)-\d+)-[0-6]$")


class WeekGrid:

    def __init__(self, *, user, monday: dt.date, copy_last_week: bool = False):
        self.user = user
        self.monday = monday
        self.days = [monday + dt.timedelta(days=offset) for offset in DAYS]
        self.errors: list[str] = []
        self.conflicts = 0  # changed cells whose saved time changed since the page was shown
        self.entries = list(
            TimeEntry.objects.filter(consultant=user).in_period(self.days[0], self.days[-1])
            .in_cell_order()  # a cell's notes in the order its dialog lists its entries
            .only("pk", "date", "seconds", "kind", "engagement_id", "activity_id", "note")
        )
        self.engagements = {
            engagement.pk: engagement
            for engagement in Engagement.objects.filter(members=user)
            .select_related("client")
            .order_by("client__name", "name")
        }
        self.activities = {
            activity.pk: activity
            for activity in Activity.objects.filter(
                consultant=user, date__gte=monday - dt.timedelta(days=90)
            ).order_by("-date")
        }
        keys = {self._key_of(entry) for entry in self.entries}
        # Every engagement the user works on this week has its row, logged or not.
        keys |= {
            RowKey(Kind.CLIENT, engagement_id=engagement.pk)
            for engagement in self.engagements.values()
            if self._open_this_week(engagement)
        }
        self.copied = 0  # rows brought from last week that this week did not have
        if copy_last_week:
            before = len(keys | {RowKey(Kind.PROMOTION), RowKey(Kind.INTERNAL)})
            keys |= set(
                RowKey(*values)
                for values in TimeEntry.objects.filter(consultant=user)
                .in_period(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
                .values_list("kind", "engagement_id", "activity_id")
                .distinct()
            )
        keys |= {RowKey(Kind.PROMOTION), RowKey(Kind.INTERNAL)}
        if copy_last_week:
            self.copied = len(keys) - before
        older = {key.activity_id for key in keys if key.activity_id} - set(self.activities)
        if older:
            self.activities.update(
                (a.pk, a) for a in Activity.objects.filter(pk__in=older, consultant=user)
            )
        self.rows = [self._row(key) for key in sorted(keys, key=self._sort_key)]
        by_cell = {(row.key, cell.day): cell for row in self.rows for cell in row.cells}
        for entry in self.entries:
            cell = by_cell[(self._key_of(entry), entry.date)]
            cell.seconds += entry.seconds
            cell.entry_ids.append(entry.pk)
            if entry.note:
                cell.notes.append(entry.note)
        for cell in by_cell.values():
            cell.value = format_duration(cell.seconds)
        self.new_lines = [
            NewLine(number, [
                Cell(day=day, name=f"cell-new{number}-{offset}")
                for offset, day in enumerate(self.days)
            ])
            for number in range(1, NEW_LINES + 1)
        ]

    def _open_this_week(self, engagement) -> bool:
        return (
            engagement.status == Engagement.Status.ACTIVE
            and engagement.starts_on <= self.days[-1]
            and (engagement.ends_on is None or engagement.ends_on >= self.monday)
        )

    @staticmethod
    def _key_of(entry) -> RowKey:
        return RowKey(entry.kind, entry.engagement_id, entry.activity_id)

    def _sort_key(self, key: RowKey):
        order = {Kind.CLIENT: 0, Kind.PROMOTION: 1, Kind.INTERNAL: 2}[key.kind]
        return (order, self._label(key).lower())

    def _label(self, key: RowKey) -> str:
        return row_label(
            key, self.engagements.get(key.engagement_id), self.activities.get(key.activity_id)
        )

    def _row(self, key: RowKey) -> Row:
        cells = [
            Cell(day=day, name=f"cell-{key.token}-{offset}")
            for offset, day in enumerate(self.days)
        ]
        return Row(
            key=key,
            label=self._label(key),
            cells=cells,
            engagement=self.engagements.get(key.engagement_id),
            activity=self.activities.get(key.activity_id),
        )

    def new_row_choices(self) -> list[tuple[str, str]]:
        """What a new line may be for: the user's recent activities without a row yet.
        (Every engagement the user may log on this week already has its row.)"""
        # A row added from a new line in a refused save stays on offer: choosing it again
        # on a line merges the two.
        present = {row.key for row in self.rows if not row.from_new_line}
        choices = []
        for activity in self.activities.values():
            key = RowKey(Kind.PROMOTION, activity_id=activity.pk)
            if key not in present:
                choices.append((key.token, f"Promotion: {activity.title} ({activity.date:%-d %b})"))
        return choices

    @property
    def show_new_lines(self) -> bool:
        """New lines when there is something to add, or input of theirs to show again."""
        return bool(self.new_row_choices()) or any(
            line.error or line.token for line in self.new_lines
        )

    def day_totals(self) -> list[int]:
        return [
            sum(row.cells[offset].shown_seconds for row in self.rows) for offset in DAYS
        ]

    def error_days(self) -> list[int]:
        """The days (0 = Monday) holding a cell a refused save marked."""
        lines = [*(row.cells for row in self.rows), *(line.cells for line in self.new_lines)]
        return sorted({day for cells in lines for day, cell in enumerate(cells) if cell.error})

    # Saving ---------------------------------------------------------------------------------

    def bind(self, data) -> bool:
        """Read typed values into the cells and check every rule; True when all is valid."""
        valid = self._bind_added_rows(data)
        for line in self.new_lines:
            valid &= self._bind_new_line(line, data)
        for row in self.rows:
            for cell in row.cells:
                cell.was_seconds = _was_seconds(data, cell.was_name, cell.seconds)
                cell.value = data.get(cell.name, cell.value).strip()
                if cell.value == format_duration(cell.was_seconds):
                    # Untouched on the page: it keeps what is saved now, to the second (shown
                    # rounded to the minute), another tab's change included.
                    cell.value = format_duration(cell.seconds)
                    cell.new_seconds = cell.seconds
                    continue
                if not cell.value:
                    cell.new_seconds = 0
                    continue
                try:
                    cell.new_seconds = parse_duration(cell.value)
                except DurationError as exc:
                    cell.error = str(exc)
                    cell.new_seconds = cell.seconds
                    valid = False
        day_totals = [
            sum(row.cells[offset].new_seconds for row in self.rows) for offset in DAYS
        ]
        for row in self.rows:
            for offset, cell in enumerate(row.cells):
                if cell.error or cell.new_seconds == cell.seconds:
                    continue
                if cell.was_seconds != cell.seconds:
                    # Changed here and elsewhere since the page was shown: saving would undo
                    # the other change unseen. Shown now, it is overwritten only by a new save.
                    cell.error = (
                        f"Changed meanwhile (another tab or device): now "
                        f"{format_duration(cell.seconds) or 'empty'}. Save again to replace "
                        "it with yours."
                    )
                    self.conflicts += 1
                    valid = False
                    continue
                if len(cell.entry_ids) > 1 and cell.new_seconds:
                    cell.error = (
                        f"This cell holds {len(cell.entry_ids)} entries; open the cell to "
                        "change them one by one, or clear it to delete them."
                    )
                    valid = False
                    continue
                if not cell.new_seconds:
                    continue  # deleting is always allowed
                errors = time_entry_errors(
                    consultant=self.user,
                    date=cell.day,
                    seconds=cell.new_seconds,
                    kind=row.key.kind,
                    engagement=row.engagement,
                    activity=row.activity,
                    other_seconds_that_day=day_totals[offset] - cell.new_seconds,
                )
                if errors:
                    cell.error = " ".join(errors.values())
                    valid = False
        if self.conflicts:
            self.errors.append(
                "This week was changed in another tab or on another device since you opened "
                "it. The marked cells show the time saved now; your values are kept."
            )
        return valid

    def _allowed_new_rows(self) -> set[str]:
        return {token for token, _ in self.new_row_choices()}

    def _bind_added_rows(self, data) -> bool:
        """Rows the page showed that the grid does not hold: a line added in a save that
        failed comes back as a row of its own, and its hours must not be lost."""
        present = {row.key.token for row in self.rows}
        posted = {match[1] for name in data if (match := CELL_NAME.match(name))} - present
        allowed = self._allowed_new_rows()
        valid = True
        for token in sorted(posted):
            if not any(_changed_on_page(data, f"cell-{token}-{offset}") for offset in DAYS):
                continue  # as shown (e.g. a row whose time was deleted meanwhile): nothing to do
            if token not in allowed:
                self.errors.append("A row you added is no longer one you can log time on.")
                valid = False
                continue
            self.rows.append(self._row(RowKey.from_token(token)))
        return valid

    def _bind_new_line(self, line: NewLine, data) -> bool:
        """A filled new line becomes a row of the grid; an unclear one keeps its input."""
        line.token = data.get(line.select_name, "")
        for cell in line.cells:
            cell.value = data.get(cell.name, "").strip()
        if not any(cell.value for cell in line.cells):
            line.token = ""
            return True
        if not line.token:
            line.error = "Choose what this row is for, or clear its cells."
            return False
        added = {row.key.token: row for row in self.rows if row.from_new_line}
        if line.token in added:  # the same activity on two lines: one row
            return self._merge_line(added[line.token], line)
        if line.token in {row.key.token for row in self.rows}:
            line.error = "That row is already in the grid: type its hours there."
            return False
        if line.token not in self._allowed_new_rows():
            line.error = "That row is not one you can log time on."
            return False
        row = self._row(RowKey.from_token(line.token))
        row.from_new_line = True
        self.rows.append(row)
        return self._merge_line(row, line)

    @staticmethod
    def _merge_line(row: Row, line: NewLine) -> bool:
        """Move the line's hours into the row, unless a day has hours in both: then the
        line stays as typed, with a message."""
        pairs = list(zip(row.cells, line.cells, strict=True))
        if any(cell.value and typed.value for cell, typed in pairs):
            line.error = "This row is on another line too, with hours on the same day: keep one."
            return False
        for cell, typed in pairs:
            if typed.value:
                cell.value, typed.value = typed.value, ""
        line.token = ""
        return True

    def total_seconds(self) -> int:
        return sum(row.total_seconds for row in self.rows)

    def changes(self) -> list[WeekCellChange]:
        """The bound cells whose time changes."""
        return [
            WeekCellChange(
                day=cell.day,
                kind=row.key.kind,
                engagement_id=row.key.engagement_id,
                activity_id=row.key.activity_id,
                seconds=cell.new_seconds,
                read_seconds=cell.seconds,
            )
            for row in self.rows
            for cell in row.cells
            if cell.new_seconds != cell.seconds
        ]

    def save(self) -> int:
        """Write the bound cells; returns how many cells changed. ValidationError when the
        week changed since it was read (the service re-reads it locked and checks)."""
        return time_entries_save_week(
            consultant=self.user, monday=self.monday, changes=self.changes()
        )

