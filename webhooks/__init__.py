"""Inbound webhooks from alerting and CI/CD tools, routed to services, exactly once."""
