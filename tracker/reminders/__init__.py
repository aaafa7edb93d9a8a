"""Reminders as rows, their dispatcher and channels, and in-app notifications."""
