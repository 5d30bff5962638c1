"""Enumerating what Liaison serves, asking it as one viewer, and checking its pages' script policy:
used by the access-matrix and hardening tests."""

import re

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from liaison.core.tests.access.world import ANONYMOUS

API_PREFIX = "/api/v1"


def url_pattern_names() -> set[str]:
    """Every named URL pattern outside the JSON API ("namespace:name"), from a walk of the resolver.

    JSON API operations are enumerated from the OpenAPI document instead (one pattern there can carry
    several operations); its own pages (the document, the docs, the root) are URL entries.
    """
    found: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if pattern.namespace and namespace:
                    inner = f"{namespace}:{pattern.namespace}"
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or str(pattern.pattern))
                found.add(name)

    walk(get_resolver().url_patterns, None)
    api_operations = {"openapi-json", "openapi-view", "api-root"}
    return {name for name in found if not name.startswith("api-") or name.split(":", 1)[1] in api_operations}


def api_operations() -> set[str]:
    """Every JSON API operation as "METHOD /api/v1/path/{param}", from the OpenAPI document."""
    from liaison.config.api import api

    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def client_for(world, viewer: str) -> Client:
    client = Client(raise_request_exception=False)  # a server error is a status to report, not a crash
    if viewer != ANONYMOUS:
        membership = world.members[viewer]
        client.force_login(membership.user)
        session = client.session
        session["liaison_membership_id"] = membership.pk
        session.save()
    return client


def ask(client: Client, method: str, url: str, data=None, headers=None):
    """One request, inside a transaction that is rolled back: no request changes what the next sees."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data or {}, headers=headers or {})
        elif data is not None and not isinstance(data, dict):
            response = client.post(url, data, content_type="application/json", headers=headers or {})
        else:
            response = client.post(url, data or {}, headers=headers or {})
        transaction.set_rollback(True)
    return response


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
NONCE_IN_POLICY = re.compile(r"script-src[^;]*'nonce-([^']+)'")


def csp_problems(response, body: str) -> list[str]:
    """What breaks the Content Security Policy rules on an HTML page: the policy must allow scripts only
    from Liaison itself or with this response's nonce, never 'unsafe-inline', and every inline script
    must carry the nonce; no inline event handlers or javascript: links (a nonce cannot cover them)."""
    if not response.get("Content-Type", "").startswith("text/html") or not body:
        return []
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        return ["no Content-Security-Policy header"]
    problems = []
    if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
        problems.append(f"the policy allows unsafe scripts: {policy}")
    match = NONCE_IN_POLICY.search(policy)
    nonce = match.group(1) if match else None
    for attributes in SCRIPT_TAG.findall(body):
        if re.search(r"type=[\"']application/(ld\+)?json", attributes):
            continue  # a data block: never executed
        if "src=" in attributes:
            source = re.search(r"src=[\"']([^\"']+)", attributes)
            if source and not source.group(1).startswith("/"):
                problems.append(f"a script from elsewhere: {source.group(1)}")
        elif nonce is None or f'nonce="{nonce}"' not in attributes:
            problems.append(f"an inline script without this response's nonce: <script{attributes}>")
    if EVENT_HANDLER.search(body):
        problems.append(f"an inline event handler: {EVENT_HANDLER.search(body).group(0)[:80]}")
    if re.search(r"href=[\"']\s*javascript:", body, re.IGNORECASE):
        problems.append("a javascript: link")
    return problems
