"""Small input and output serializers for accounts and API tokens."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from webapp.accounts.models import ApiToken
from webapp.accounts.selectors import email_is_verified
from webapp.accounts.services import USERNAME_HELP


class SignupInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text=USERNAME_HELP)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class TokenLoginInputSerializer(LoginInputSerializer):
    name = serializers.CharField(
        max_length=100,
        default="password log-in",
        help_text="What the token is for, to recognise it in the list of your tokens.",
    )


class UserOutputSerializer(serializers.ModelSerializer):
    email_verified = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "email_verified"]

    def get_email_verified(self, user) -> bool:
        return email_is_verified(user=user)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"})
    new_password = serializers.CharField(style={"input_type": "password"})


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(help_text="The uidb64 part of the link in the e-mail.")
    token = serializers.CharField(help_text="The token part of the link in the e-mail.")
    new_password = serializers.CharField(style={"input_type": "password"})


class AccountDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        style={"input_type": "password"},
        help_text="Your current password: needed with a session and with a token alike.",
    )


class EmailVerifyInputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The token at the end of the link in the e-mail.")


class ApiTokenInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class ApiTokenCreatedOutputSerializer(ApiTokenOutputSerializer):
    key = serializers.CharField(help_text="The token itself: shown this once, store it now.")

    class Meta(ApiTokenOutputSerializer.Meta):
        fields = [*ApiTokenOutputSerializer.Meta.fields, "key"]
