"""Writes of the applications app: one module per area (calls, proposals)."""
