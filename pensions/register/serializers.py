"""API shapes for the register and for information requests. A scheme's contacts come out in the
dashboards' `pensionAdministrator.contactMethods` form, so a later dashboards feed fits."""

from __future__ import annotations

from rest_framework import serializers

from ..info_requests.letter import information_letter
from ..info_requests.models import PensionInformationRequest
from ..info_requests.services import information_request_overdue
from ..info_requests.validation import dates_check, ni_number_validate
from .models import PensionScheme


class SourceSerializer(serializers.Serializer):
    url = serializers.URLField()
    retrieved_on = serializers.DateField()
    supports = serializers.ListField(child=serializers.CharField(), required=False)


class PostalAddressSerializer(serializers.Serializer):
    postalName = serializers.CharField(required=False)  # noqa: N815  (the dashboards' field names)
    line1 = serializers.CharField()
    line2 = serializers.CharField(required=False)
    line3 = serializers.CharField(required=False)
    line4 = serializers.CharField(required=False)
    line5 = serializers.CharField(required=False)
    postcode = serializers.CharField()
    countryCode = serializers.CharField(required=False)  # noqa: N815


class SchemeSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="register_id")
    postal_address = PostalAddressSerializer(allow_null=True, source="postal_address_or_none")
    sources = SourceSerializer(many=True)
    former_names = serializers.ListField(child=serializers.CharField())
    brands = serializers.ListField(child=serializers.CharField())
    employers = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = PensionScheme
        fields = ["id", "name", "kind", "former_names", "brands", "employers", "administrator", "website",
                  "phone", "email", "postal_address", "notes", "sources", "updated_at"]


class SchemeMatchSerializer(serializers.Serializer):
    scheme = SchemeSerializer()
    score = serializers.IntegerField(help_text="0-100: how closely the best name matched.")
    matched_field = serializers.ChoiceField(choices=["name", "former_name", "brand", "employer", "administrator"])
    matched_name = serializers.CharField()
    why = serializers.CharField()


class SchemeSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    found = serializers.BooleanField()
    matches = SchemeMatchSerializer(many=True)
    tracing_service_url = serializers.URLField(help_text="The government's Pension Tracing Service, for "
                                                         "anything this register does not hold.")


class PersonDetailsSerializer(serializers.Serializer):
    """What the letter needs. Write-only everywhere: details never come back in a response."""

    full_name = serializers.CharField(max_length=200)
    previous_names = serializers.CharField(max_length=300, required=False, allow_blank=True)
    date_of_birth = serializers.DateField()
    ni_number = serializers.CharField(max_length=20)
    current_address = serializers.CharField(max_length=500)
    previous_addresses = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    employer_name = serializers.CharField(max_length=200)
    employment_start = serializers.DateField()
    employment_end = serializers.DateField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate_ni_number(self, value):
        return ni_number_validate(value)

    def validate(self, attrs):
        errors = dates_check(date_of_birth=attrs.get("date_of_birth"), employment_start=attrs.get("employment_start"),
                             employment_end=attrs.get("employment_end"))
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class InformationRequestCreateSerializer(PersonDetailsSerializer):
    scheme = serializers.SlugRelatedField(slug_field="register_id", queryset=PensionScheme.objects.filter(active=True))


class SchemeBriefSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="register_id")

    class Meta:
        model = PensionScheme
        fields = ["id", "name", "administrator", "website", "phone", "email"]


class InformationRequestSerializer(serializers.ModelSerializer):
    scheme = SchemeBriefSerializer()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PensionInformationRequest
        fields = ["id", "scheme", "status", "created_at", "sent_on", "reply_due_on", "answered_on", "reply_notes",
                  "overdue", "reminded_at"]

    def get_overdue(self, obj) -> bool:
        return information_request_overdue(obj)


class LetterSerializer(serializers.Serializer):
    subject = serializers.CharField()
    body = serializers.CharField()
    to_email = serializers.CharField(allow_blank=True)
    postal_lines = serializers.ListField(child=serializers.CharField())
    mailto = serializers.CharField(allow_blank=True)

    @classmethod
    def for_request(cls, request):
        letter = information_letter(request)
        return cls({"subject": letter.subject, "body": letter.body, "to_email": letter.to_email,
                    "postal_lines": letter.postal_lines, "mailto": letter.mailto})


class MarkSentSerializer(serializers.Serializer):
    sent_on = serializers.DateField(required=False)


class MarkAnsweredSerializer(serializers.Serializer):
    answered_on = serializers.DateField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
