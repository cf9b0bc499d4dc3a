"""The share link as the owner's API shows it."""

from rest_framework import serializers

from webapp.sharing.links import SharedLinks
from webapp.sharing.models import ShareLink


class ShareLinkOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The shared job's page, for anyone.")

    class Meta:
        model = ShareLink
        fields = ["token", "url", "created_at"]

    def get_url(self, link: ShareLink) -> str:
        return SharedLinks(self.context.get("request"), link.token).page()
