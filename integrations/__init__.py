"""The integration API under /api/ and the team tokens that authenticate it."""
