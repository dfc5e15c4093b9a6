from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..durations import DurationError, parse_duration
from ..forms import activity_choices, engagement_choices
from ..models import TimeEntry, WeekStatus, entry_week_status
from .base import PlainLimits


class DetailSerializer(serializers.Serializer):
    """DRF's answer for a 401, 403, 404 or 409: one message."""

    detail = serializers.CharField()


class TimeEntrySerializer(PlainLimits, serializers.ModelSerializer):
    """An entry in and out. Validates the shape of the input only; the rules (24 hours a
    day, engagement for client work, …) are the services' (time_entry_create/update), whose
    ValidationError the views turn into the same 400 with field errors."""

    duration = serializers.CharField(
        write_only=True, required=False,
        help_text='Instead of seconds: "1:30", "1.5", "90m" (the forms\' parsing).',
    )

    import_batch = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True,
        help_text="The import that brought the entry in (null for any other source).",
    )
    week_status = serializers.SerializerMethodField(
        help_text="The approval status of the entry's ISO week.",
    )

    class Meta:
        model = TimeEntry
        fields = [
            "id", "consultant", "date", "seconds", "duration", "kind", "engagement",
            "activity", "billable", "note", "source", "import_batch", "week_status",
        ]
        read_only_fields = ["id", "consultant", "source"]
        extra_kwargs = {
            "seconds": {"required": False},
            "billable": {"required": False, "default": None},
        }

    def __init__(self, *args, consultant=None, **kwargs):
        super().__init__(*args, **kwargs)
        if consultant is not None:
            # The same choices as the entry form: the consultant's active engagements
            # (and the one being edited), and their own activities.
            keep = self.instance.engagement_id if self.instance else None
            self.fields["engagement"].queryset = engagement_choices(consultant, keep=keep)
            self.fields["activity"].queryset = activity_choices(consultant)
        self.fields["engagement"].error_messages["does_not_exist"] = (
            "Choose an active engagement you are a member of."
        )
        self.fields["activity"].error_messages["does_not_exist"] = "Choose one of your activities."

    @extend_schema_field(serializers.ChoiceField(choices=WeekStatus.values))
    def get_week_status(self, entry) -> str:
        """The lists' annotation (entry_week_status()); one query for a single entry."""
        annotated = getattr(entry, "week_status", None)
        if annotated is not None:
            return annotated
        return TimeEntry.objects.filter(pk=entry.pk).values_list(
            entry_week_status(), flat=True
        ).first() or WeekStatus.OPEN

    def get_fields(self):
        fields = super().get_fields()
        fields["billable"] = serializers.BooleanField(required=False, allow_null=True)
        return fields

    def validate(self, data):
        if "duration" in data:
            if "seconds" in data:
                raise serializers.ValidationError(
                    {"duration": "Send either seconds or duration, not both."}
                )
            try:
                data["seconds"] = parse_duration(data.pop("duration"))
            except DurationError as exc:
                raise serializers.ValidationError({"duration": str(exc)}) from exc
        if self.instance is None:
            if "seconds" not in data:
                raise serializers.ValidationError({"seconds": "Send seconds or a duration."})
            if "kind" not in data:
                raise serializers.ValidationError({"kind": "This field is required."})
        return data


class TimeEntrySchema(OpenApiSerializerExtension):
    """What the schema cannot learn from the fields: a response always carries every field,
    and `billable` is then true or false (null on input means "as the kind says")."""

    target_class = TimeEntrySerializer

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        if direction == "response":
            schema["required"] = sorted(
                name for name, field in schema["properties"].items()
                if not field.get("writeOnly")
            )
            schema["properties"]["billable"].pop("nullable", None)
        return schema


# /api/v1/me/ -----------------------------------------------------------------------------------


class MeTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(
        choices=["member", "manager"],
        help_text='"manager" for a team the caller manages (member of it or not), '
                  'else "member".',
    )


class KindHoursSerializer(serializers.Serializer):
    """Hours by kind and in all, as tracker.figures rounds them: My week's, the report's."""

    client_hours = serializers.FloatField()
    promotion_hours = serializers.FloatField()
    internal_hours = serializers.FloatField()
    total_hours = serializers.FloatField()


class MeWeekSerializer(KindHoursSerializer):
    start = serializers.DateField(help_text="Monday of the caller's current ISO week.")


class MeSerializer(serializers.Serializer):
    """Response only: who the token belongs to, their teams and this week's hours."""

    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=["consultant", "manager", "admin"])
    teams = MeTeamSerializer(many=True)
    week = MeWeekSerializer()
