"""The pages people use in a browser: thin views over the same services as the API."""

from django.http import Http404, HttpRequest, HttpResponse


def shared_job(request: HttpRequest, token: str) -> HttpResponse:
    """A job's player and downloads, for anyone holding its share link."""
    raise Http404("This share link is not valid.")
