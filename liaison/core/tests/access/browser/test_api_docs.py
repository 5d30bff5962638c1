"""The API docs page works under the Content Security Policy with no network: Swagger UI comes from
Liaison's own static files, and the browser reports no blocked script or style (any console error,
a CSP violation included, fails the test through the ``page`` fixture)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_every_operation_from_local_files(page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    page.locator(".opblock-summary-path").first.wait_for(timeout=20000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/concerns" in path for path in paths)
    outside = [url for url in requested if not url.startswith(page.url.split("/api/")[0])]
    assert outside == [], f"The docs page fetched from outside Liaison: {outside}"
