"""The server ``bench/submit.py`` measures: Liaison as it ships, plus one floor view (bench only)."""
