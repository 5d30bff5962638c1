"""Liaison: the primary–secondary care interface portal for the NHS."""
