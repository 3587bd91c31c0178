"""What operations keeps: the heartbeat of each long-running process that has one."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a process showed it was alive (the scheduler: every round,
    ``operations.heartbeat.beat``); the health endpoint checks its age."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
