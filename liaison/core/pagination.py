"""The NHS.UK pagination component's parameters for a Django page, keeping the list's other filters."""


def _page_url(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = number
    return f"{request.path}?{query.urlencode()}"


def pagination_for(request, page) -> dict | None:
    """First, last and the pages around this one, with previous and next; None for a single page."""
    if page.paginator.num_pages <= 1:
        return None
    last = page.paginator.num_pages
    numbers = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    items, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": _page_url(request, number), "current": number == page.number})
        previous = number
    return {
        "previous": {"href": _page_url(request, page.number - 1)} if page.has_previous() else None,
        "next": {"href": _page_url(request, page.number + 1)} if page.has_next() else None,
        "items": items,
    }
