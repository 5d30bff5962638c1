"""Typed readers for environment variables: the only place settings come from."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def postgresql_statement_options() -> dict:
    """How Liaison's PostgreSQL connections send their queries (docs/adr/0014-postgresql-prepared-statements.md).

    By default the parameters go to the server separately from the SQL (server-side binding) and psycopg
    prepares a statement the second time a connection runs it (DATABASE_PREPARE_THRESHOLD, default 1: the
    number of earlier executions), so PostgreSQL parses and plans the hot queries once per connection instead
    of on every request. Not 0: PostgreSQL cannot prepare a string of several commands, and Django's
    migrations send some (``ALTER TABLE …; SET CONSTRAINTS … IMMEDIATE``) once each.
    DATABASE_PREPARED_STATEMENTS=0 turns both off: Django's default client-side binding, nothing prepared
    (needed behind PgBouncer in transaction pooling mode before PgBouncer 1.21; from 1.21, set PgBouncer's
    max_prepared_statements instead).
    """
    if not env_bool("DATABASE_PREPARED_STATEMENTS", True):
        return {"server_side_binding": False, "prepare_threshold": None}
    threshold = env_int("DATABASE_PREPARE_THRESHOLD", 1)
    if threshold < 0:
        raise ImproperlyConfigured(f"DATABASE_PREPARE_THRESHOLD must be 0 or more, not {threshold}")
    return {"server_side_binding": True, "prepare_threshold": threshold}
