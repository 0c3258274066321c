"""Outbound notifications to Slack-compatible and JSON webhook destinations."""
