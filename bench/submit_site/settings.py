"""Liaison's own settings with a URLconf that adds the benchmark's floor view; never used in production."""

from liaison.config.settings import *  # noqa: F403 (the product's settings, unchanged)

ROOT_URLCONF = "bench.submit_site.urls"
