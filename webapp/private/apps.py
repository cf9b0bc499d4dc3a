from django.apps import AppConfig


class PrivateConfig(AppConfig):
    name = "webapp.private"
    label = "private"
