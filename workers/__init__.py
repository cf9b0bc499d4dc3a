"""Celery app, queues and tasks: turn a job id into stems by calling the separation engine."""

from workers.celery import app

__all__ = ["app"]
