"""A person's own account: password reset, invitations, self-registration and the
account page."""
