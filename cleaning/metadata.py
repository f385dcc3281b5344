"""The page's metadata as trafilatura reads it, without the fields copydesk does not keep.

trafilatura's `extract_metadata` also reads categories, tags and a licence, about a third of its
cost (a scan of every link and of the page's text nodes) for fields no Article holds. `page_metadata`
runs the same steps as trafilatura 2.3's `extract_metadata`, in the same order, for title, author,
URL, host name, date (htmldate), site name and description, so those fields are the ones
`bare_extraction(..., with_metadata=True)` gives. It does not change `tree` (trafilatura's author
search and htmldate work on their own copies).
"""
from __future__ import annotations

from typing import Any

import lxml.html
from htmldate import find_date
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_domain,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params


def page_metadata(tree: lxml.html.HtmlElement, url: str | None, date_params: dict[str, Any] | None,
                  extensive: bool) -> Document:
    """trafilatura's Document with the page's metadata (no text); `extensive` is used only without
    `date_params`, as in trafilatura."""
    date_config = {**date_params} if date_params else set_date_params(extensive)
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura's own guard: bugs in its JSON-LD reading
        pass
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    date_config["url"] = metadata.url
    metadata.date = find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata
