
from django import forms

from clients.models import Client
from tracker.fields import BoundedDateField, IdsChoiceField
from tracker.formatting import person_name
from tracker.models import Team, User
from tracker.pickers import KINDS, read_form_menus
from tracker.week import period_dates
from tracker.widgets import DateInput, PickerSelect, names_out_of_reach, style_for_bootstrap

from .balance import GROUP_BY, Scope
from .models import PERIOD_LABELS, SavedReport

MAX_PERIOD_DAYS = 3 * 366

PERIODS = list(PERIOD_LABELS.items())


class ReachChoiceField(forms.TypedChoiceField):
    """A choice among objects already loaded for the viewer; invalid means out of reach."""

    def __init__(self, *, empty_label, model, kind, **kwargs):
        super().__init__(coerce=int, empty_value=None, required=False,
                         widget=PickerSelect(kind=kind), **kwargs)
        self.empty_label = empty_label
        self.model = model

    def set_objects(self, objects) -> None:
        self.objects = {obj.pk: obj for obj in objects}
        self.choices = [("", self.empty_label)] + [(obj.pk, str(obj)) for obj in objects]

    def set_menu(self, menu) -> None:
        """The choices of a menu as read (tracker.pickers): its options, each an object
        built from the columns of its label (only the pk is ever queried by)."""
        fields = KINDS[self.widget.kind].field_class.label_fields
        self.objects = {
            pk: self.model(pk=pk, **dict(zip(fields, values, strict=True)))
            for pk, values in menu.rows.items()
        }
        self.choices = [("", self.empty_label)] + menu.options


class GroupByField(forms.CharField):
    """The grouped summary's grouping, a hidden field so that "Show report" keeps it; a
    grouping not offered is the default ("" for client), as it is in a link: never an error."""

    widget = forms.HiddenInput

    def clean(self, value):
        return value if value in GROUP_BY else ""

    def bound_data(self, data, initial):
        # Written back into the page only as one of the groupings, never as typed.
        return data if data in GROUP_BY else ""


class BalanceFilterForm(forms.Form):
    """The report's filters; every choice is limited to what the viewer may see.

    The menus are read once, in one query (tracker.pickers.read_form_menus), and reused for
    validation and rendering, so the page's query count does not depend on the filters. A
    reach above PICKER_LIMIT is searched rather than listed: the page holds the chosen
    person or client only, whatever the size of the firm.
    """

    REACH_FIELDS = ("team", "consultant", "client")

    period = forms.ChoiceField(choices=PERIODS, initial="last_4_weeks", required=False)
    start = BoundedDateField(required=False, widget=DateInput())
    end = BoundedDateField(required=False, widget=DateInput())
    team = ReachChoiceField(empty_label="All my teams", model=Team, kind="team")
    consultant = ReachChoiceField(empty_label="Everyone", model=User, kind="person")
    client = ReachChoiceField(empty_label="Any client", model=Client, kind="client")
    group_by = GroupByField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.sees_others = user.is_admin or user.is_manager
        menus = ["client"]
        if user.is_admin:
            self.fields["team"].empty_label = "Everyone"
            menus.append("team")
        else:
            self.fields["team"].set_objects(user.managed_team_list)  # read for the role
        if self.sees_others:
            menus.append("consultant")
        else:
            self.fields["consultant"].set_objects([user])
        for name, menu in read_form_menus(self, user, menus).items():
            self.fields[name].set_menu(menu)
        # The people a saved report may go to, when they are few enough to list; else
        # None, and the save form searches them too.
        consultant = self.fields["consultant"]
        self.people = (
            None if consultant.widget.searchable
            else [consultant.objects[pk] for pk, _ in consultant.choices[1:]]
        )
        if not self.sees_others:
            self.fields["team"].widget = forms.HiddenInput()
            self.fields["consultant"].widget = forms.HiddenInput()
        style_for_bootstrap(self)

    def out_of_reach(self) -> bool:
        """True when a filter names a team, person or client the viewer cannot see."""
        return names_out_of_reach(self, self.REACH_FIELDS)

    def clean(self):
        data = super().clean()
        period = data.get("period") or "last_4_weeks"
        data["period"] = period
        if data.get("group_by") == "consultant" and not self.sees_others:
            data["group_by"] = ""  # their own report has one person: not "by person"
        if period == "custom":
            # A date that failed (not a date, or outside 1900-2199) keeps its own message.
            if not data.get("start") and "start" not in self.errors:
                self.add_error("start", "Choose the first day.")
            if not data.get("end") and "end" not in self.errors:
                self.add_error("end", "Choose the last day.")
            if data.get("start") and data.get("end"):
                if data["end"] < data["start"]:
                    self.add_error("end", "The last day is before the first.")
                elif (data["end"] - data["start"]).days > MAX_PERIOD_DAYS:
                    self.add_error("end", "Choose at most three years.")
        else:
            data["start"], data["end"] = period_dates(period, self.user.today())
        return data

    def scope(self) -> dict:
        """The chosen team, consultant and client objects (None where not chosen)."""
        return {
            name: self.fields[name].objects.get(self.cleaned_data.get(name))
            for name in self.REACH_FIELDS
        }

    def params(self) -> dict:
        """JSON-safe parameters for a ReportRun or a saved report."""
        data = self.cleaned_data
        params = {
            "period": data["period"],
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "team": data.get("team"),
            "consultant": data.get("consultant"),
            "client": data.get("client"),
        }
        if data.get("group_by"):
            # How the page groups the summary: a run (or a saved report) opens the same way.
            # Not what the report is of (report_key leaves it out).
            params["group_by"] = data["group_by"]
        return params


class SavedReportForm(forms.ModelForm):
    class Meta:
        model = SavedReport
        fields = ["name", "schedule", "recipients"]
        # Ticked in a list that a small script lets one search (static/js/picker.js): a
        # Ctrl-click multi-select loses every choice on one careless click.
        widgets = {"recipients": forms.CheckboxSelectMultiple}
        field_classes = {"recipients": IdsChoiceField}
        help_texts = {"recipients": "People who get it by e-mail."}

    def __init__(self, *args, user, people=None, scope=None, searched=False, **kwargs):
        """`scope`: the report's team, consultant and client (BalanceFilterForm.scope()),
        against which each recipient's reach is checked. `searched`: too many people to
        list (BalanceFilterForm.people is None): the list starts empty and its search box
        asks the options endpoint (static/js/picker.js)."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.scope = scope
        recipients = self.fields["recipients"]
        recipients.queryset = User.objects.visible_to(user).by_name()
        recipients.required = False
        if people is not None:  # already loaded by the report's filters: no second query
            recipients.choices = [(person.pk, str(person)) for person in people]
        recipients.searched = searched
        if searched:
            recipients.choices = []
        style_for_bootstrap(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = SavedReport.objects.filter(owner=self.user, name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("You already have a saved report of that name.")
        return name

    def clean(self):
        data = super().clean()
        if data.get("schedule") and not data.get("recipients"):
            self.add_error("recipients", "A scheduled report needs at least one recipient.")
        if self.scope is not None and data.get("recipients"):
            # Each recipient gets the report as they would see it; someone who would see
            # nothing of it would get an empty e-mail, or the wrong idea of their reach.
            blind = [person for person in data["recipients"]
                     if not Scope(viewer=person, **self.scope).sees_any()]
            if blind:
                names = ", ".join(map(person_name, blind))
                self.add_error("recipients", f"{names} cannot see any of this report's people "
                               "or client, so would get nothing: choose someone who can.")
        return data
