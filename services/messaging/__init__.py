"""Messages to musicians: templates, the outbox and delivery."""
