"""Scheduled crawls: the schedule store, the runner that starts due crawls, per-site locks, and the cron and
systemd text that runs the runner."""
