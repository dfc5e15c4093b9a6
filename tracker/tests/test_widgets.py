"""The fast <select> is Django's markup, drawn without a template per option."""

import pytest
from django import forms
from django.test.html import parse_html

from tracker.widgets import Select, style_for_bootstrap

CHOICES = [
    ("", "Any"),
    (1, "Smith & Sons <Ltd>"),
    ("Group", [(2, "two"), (3, 'a "quoted" name')]),
    (4, "four"),
]


@pytest.mark.parametrize("value", [None, "", 1, "3", [1, 3], "missing"])
def test_select_renders_what_django_renders(value):
    attrs = {"class": "form-select", "id": "id_pick"}
    extra = {"required": True, "aria-describedby": "id_pick_error"}
    django = forms.Select(attrs=attrs, choices=CHOICES).render("pick", value, attrs=extra)
    fast = Select(attrs=attrs, choices=CHOICES).render("pick", value, attrs=extra)
    assert parse_html(fast) == parse_html(django)


def test_a_single_select_marks_only_its_first_match():
    html = Select(choices=[(1, "one"), ("1", "one again")]).render("pick", 1)
    assert html.count(" selected") == 1


def test_bootstrap_styling_swaps_plain_selects_only():
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "A")])
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        yes = forms.NullBooleanField()

    form = Form()
    style_for_bootstrap(form)
    assert type(form.fields["kind"].widget) is Select
    assert type(form.fields["many"].widget) is forms.SelectMultiple
    assert type(form.fields["yes"].widget) is forms.NullBooleanSelect
    assert "form-select" in form.fields["kind"].widget.attrs["class"]


@pytest.mark.django_db
def test_menus_read_their_labels_in_one_query(cast, django_assert_num_queries):
    from clients.models import Engagement
    from tracker.fields import EngagementChoiceField, PersonChoiceField
    from tracker.models import User

    nameless = User.objects.create(username="nameless", email="n@example.test")
    people = PersonChoiceField(queryset=User.objects.by_name(), empty_label="Anyone")
    engagements = EngagementChoiceField(queryset=Engagement.objects.all(), empty_label=None)
    with django_assert_num_queries(1):
        labels = {pk: label for pk, label in people.choices}  # list() would COUNT first
    assert labels[""] == "Anyone" and labels[nameless.pk] == "nameless"
    assert labels[cast.consultant.pk] == str(cast.consultant)
    with django_assert_num_queries(1):
        [(pk, label)] = [choice for choice in engagements.choices]  # noqa: C416
    assert label == f"{cast.engagement.client.name} — {cast.engagement.name}"
    assert engagements.label_from_instance(cast.engagement) == label
