"""Menus that do not grow with the firm: a person, team, client or engagement chosen from
the viewer's reach, listed in full while it is small, searched (the options endpoint,
static/js/picker.js) once it is not.

An admin of 4,000 people at 10M entries had 11,550 options on the report page (552 KB, half
its render time). Here a menu reads at most PICKER_LIMIT + 1 of its options, and the chosen
one, and every menu of a form is read in one query. Above the limit the page holds the
chosen option only, beside a search box: the page's size no longer depends on the firm's.
"""

import dataclasses
from collections.abc import Callable

from django.db import connections, models
from django.db.models import Q, Value
from django.db.models.expressions import Window
from django.db.models.functions import Concat, RowNumber, Trim

from clients.models import Client, Engagement

from .fields import EngagementChoiceField, NameChoiceField, PersonChoiceField, ValuesChoiceField
from .models import Team, User

# A reach this small is a plain <select> (works without JavaScript); above it, a search.
PICKER_LIMIT = 200
SEARCH_LIMIT = 20  # the options endpoint's answer unless asked for fewer
SEARCH_MAX = 50
# The largest id a query may name (SQLite refuses a larger integer: an OverflowError).
MAX_ID = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class Menu:
    """A menu's options as read, each (pk, label), in name order.

    `searchable`: the reach holds more than PICKER_LIMIT, so the page offers a search and
    `options` is only the chosen one (and the matches of a search typed without
    JavaScript). `chosen`: the chosen (pk, label) if it is within reach, else None.
    """

    options: list[tuple[int, str]]
    searchable: bool
    chosen: tuple[int, str] | None
    rows: dict = dataclasses.field(default_factory=dict)  # pk -> the label's values


@dataclasses.dataclass(frozen=True)
class PickerKind:
    """What one kind of menu lists for a viewer (the same reach as the forms' menus), how
    its labels read (its choice field's) and what a search matches."""

    reach: Callable[[User], models.QuerySet]
    field_class: type[ValuesChoiceField]
    searched: tuple[str, ...]  # the lookups a search looks in (case ignored)

    def label(self, values) -> str:
        return label_of(self.field_class, values)

    def search(self, user, text: str) -> models.QuerySet:
        rows = self.reach(user)
        if self.field_class is PersonChoiceField:
            # "ada love" finds Ada Lovelace: the full name, as shown, is searched too.
            rows = rows.annotate(picker_full_name=Trim(Concat(
                "first_name", Value(" "), "last_name", output_field=models.CharField())))
        if text:
            query = Q()
            for lookup in self.searched:
                query |= Q(**{f"{lookup}__icontains": text})
            rows = rows.filter(query)
        return rows


def _people(user):
    return User.objects.visible_to(user).by_name()


KINDS = {
    "person": PickerKind(_people, PersonChoiceField,
                         ("picker_full_name", "username")),
    "team": PickerKind(lambda user: Team.objects.visible_to(user).order_by("name"),
                       NameChoiceField, ("name",)),
    "client": PickerKind(lambda user: Client.objects.visible_to(user).order_by("name"),
                         NameChoiceField, ("name",)),
    # The time list's: clients and engagements whose time the viewer may see some of.
    "time-client": PickerKind(
        lambda user: Client.objects.time_visible_to(user).order_by("name"),
        NameChoiceField, ("name",)),
    "time-engagement": PickerKind(
        lambda user: Engagement.objects.time_visible_to(user).order_by("client__name", "name"),
        EngagementChoiceField, ("name", "client__name")),
}


def as_id(value) -> int | None:
    """A chosen value as an id a query may name, else None (not a number, or too large)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def search(kind: PickerKind, user, text: str, limit: int) -> tuple[list[tuple[int, str]], bool]:
    """The first `limit` options of `kind` whose name holds `text`, in name order, and
    whether there are more; one query."""
    rows = kind.search(user, text).values_list("pk", *kind.field_class.label_fields)
    rows = list(rows[:limit + 1])
    return [(pk, kind.label(values)) for pk, *values in rows[:limit]], len(rows) > limit


def read_menus(menus: dict, *, searches: dict | None = None) -> dict[str, Menu]:
    """Every menu of a form in one query: for each name, (rows, field class, chosen value)
    where rows is the viewer's reach in name order. Each reads its first PICKER_LIMIT + 1
    rows (one more tells that there are more) and its chosen row; `searches` (name ->
    (rows, text)) adds up to SEARCH_LIMIT matches of a search typed without JavaScript."""
    searches = searches or {}
    parts, params = [], []
    width = max(len(field_class.label_fields) for _, field_class, _ in menus.values())
    names = list(menus)
    using = None
    for index, (name, (rows, field_class, chosen)) in enumerate(menus.items()):
        using = rows.db
        padded = _padded(rows, field_class.label_fields, width)
        pieces = [(0, padded, PICKER_LIMIT + 1)]
        if (pk := as_id(chosen)) is not None:
            pieces.append((1, padded.filter(pk=pk), 1))
        if name in searches:
            found, _text = searches[name]
            pieces.append((2, _padded(found, field_class.label_fields, width), SEARCH_LIMIT))
        for part, queryset, limit in pieces:
            # Numbered in the menu's order (the model's own where the rows name none), which
            # the parts of a UNION ALL do not keep by themselves.
            order = queryset.query.order_by or queryset.model._meta.ordering or ("pk",)
            numbered = queryset.annotate(
                picker_position=Window(RowNumber(), order_by=[
                    models.F(key[1:]).desc() if isinstance(key, str) and key.startswith("-")
                    else models.F(key) if isinstance(key, str) else key
                    for key in order
                ]),
            ).values_list("picker_position", "pk", *_columns(field_class.label_fields, width))
            sql, part_params = numbered[:limit].query.get_compiler(using).as_sql()
            parts.append(f"SELECT {index} AS menu, {part} AS part, picked.* FROM ({sql}) picked")
            params.extend(part_params)
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2, 3", params)
        read = cursor.fetchall()
    found: dict[str, list] = {name: [[], [], []] for name in names}
    for index, part, _position, pk, *values in read:
        found[names[index]][part].append((pk, values))
    return {
        name: _menu(found[name], menus[name][1]) for name in names
    }


def label_of(field_class, values) -> str:
    """An option's label as its choice field writes it, from the label's column values."""
    return field_class.label_from_values(None, *values[:len(field_class.label_fields)])


def _menu(parts, field_class) -> Menu:
    first, chosen, matches = parts

    def label(values):
        return label_of(field_class, values)

    searchable = len(first) > PICKER_LIMIT
    width = len(field_class.label_fields)
    rows = {pk: values[:width] for pk, values in [*first, *chosen, *matches]}
    chosen_option = (chosen[0][0], label(chosen[0][1])) if chosen else None
    if searchable:
        listed = [*chosen, *[match for match in matches if not chosen or match[0] != chosen[0][0]]]
    else:
        listed = first
    return Menu(
        options=[(pk, label(values)) for pk, values in listed],
        searchable=searchable,
        chosen=chosen_option,
        rows=rows,
    )


def _columns(label_fields, width: int) -> list[str]:
    return [*label_fields, *[f"picker_pad_{n}" for n in range(width - len(label_fields))]]


def _padded(rows, label_fields, width: int):
    """`rows` with empty text columns up to `width`, so every menu's part has one shape."""
    return rows.annotate(**{
        f"picker_pad_{n}": Value("", output_field=models.CharField())
        for n in range(width - len(label_fields))
    })


def read_form_menus(form, user, names, rows: dict | None = None) -> dict[str, Menu]:
    """The menus of `form`'s fields `names` (each a PickerSelect), read in one query and
    given to their widgets. A field's options are `rows[name]` where given (a filter's own
    queryset), else its kind's reach; the chosen value is the form's data (or initial)."""
    rows = rows or {}
    menus, searches = {}, {}
    for name in names:
        widget = form.fields[name].widget
        kind = KINDS[widget.kind]
        key = form.add_prefix(name)
        chosen = form.data.get(key) if form.is_bound else form.initial.get(name)
        menus[name] = (rows[name] if name in rows else kind.reach(user), kind.field_class,
                       chosen)
        text = str(form.data.get(f"{key}_search") or "")[:100].strip() if form.is_bound else ""
        widget.search_text = text
        if text:
            searches[name] = (kind.search(user, text), text)
    read = read_menus(menus, searches=searches) if menus else {}
    for name, menu in read.items():
        form.fields[name].widget.menu = menu
    return read
