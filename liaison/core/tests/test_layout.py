import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_navigation_depends_on_role(reporter, administrator, client_for):
    reporter_page = client_for(reporter).get("/").content.decode()
    admin_page = client_for(administrator).get("/").content.decode()
    assert "Who&#39;s who" in reporter_page or "Who's who" in reporter_page
    assert "Audit log" not in reporter_page
    assert "Audit log" in admin_page


def test_every_script_carries_the_csp_nonce_and_policy_has_no_unsafe_inline(reporter, client_for):
    response = client_for(reporter).get("/")
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts, "the layout loads scripts"
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_no_asset_comes_from_another_host(reporter, client_for):
    page = client_for(reporter).get("/").content.decode()
    assert not re.search(r'(src|href)="https?://', page.replace('href="https://www.nhs.uk', ""))


def test_error_pages_use_the_service_layout(reporter, client_for):
    response = client_for(reporter).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_security_headers(db):
    response = Client().get("/accounts/sign-in/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
