"""Importing this module registers the twin-facing command families (the file and text
families are registered by `session.py`)."""

from app.providers.sim.shell import crictl, kubectl, systemd  # noqa: F401
