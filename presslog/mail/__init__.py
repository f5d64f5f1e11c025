"""E-mail: messages rendered from templates and sent by background jobs."""
