"""The one Jinja2 environment for Liaison, with the NHS.UK frontend macros on the loader path."""

from django.conf import settings
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from liaison.core.forms import field_error
from liaison.core.jinja_filters import FILTERS
from liaison.core.navigation import navigation_for, notifications_link


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    # Django passes a FileSystemLoader over the apps' jinja2/ folders; the NHS.UK macros come after it.
    app_loader = options.pop("loader", None)
    loaders = [app_loader] if app_loader else []
    loaders.append(PackageLoader("nhsuk_frontend_jinja"))
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    env = Environment(loader=ChoiceLoader(loaders), **options)  # noqa: S701 (autoescape set above)
    env.globals.update(
        {
            "static": static,
            "url": url,
            "csrf_token_for": get_token,
            "get_messages": get_messages,
            "now": timezone.now,
            "service_name": settings.LIAISON_SERVICE_NAME,
            "navigation": navigation_for,
            "notifications_link": notifications_link,
            "field_error": field_error,
        }
    )
    env.filters.update(FILTERS)
    return env
