"""Email to users: messages from Jinja2 templates, sent by jobs (jobs/) after the request."""
