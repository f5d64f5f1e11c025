"""Notifications: the in-app centre (the bell), e-mail per preference, the daily digest."""
