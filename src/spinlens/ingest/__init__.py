"""Turn sources (text and HTML files, URLs, folders, JSONL / CSV / Parquet, WARC) into ``Document``s.

Example::

    from spinlens.ingest import IngestOptions, iter_documents

    for result in iter_documents(["articles/", "https://example.com/news/1"], IngestOptions()):
        if result.ok:
            print(result.document.title, len(result.document.text))
        else:
            print(result.status, result.source, result.reason)

``Document.text`` is stored exactly as every offset counts it: the decoded file for text sources (what
follows a Markdown file's YAML front matter, which gives metadata), the extracted main text (paragraphs
separated by a blank line) for HTML. The title is metadata unless ``IngestOptions(title_in_text=True)``.
Documents in a language outside ``IngestOptions.languages`` are reported as skipped with the detected
language.
"""

from spinlens.ingest._core import DocumentReader, iter_documents
from spinlens.ingest._fetch import Fetch, FetchResponse, fetch_url, user_agent
from spinlens.ingest._options import (
    DEFAULT_EXTENSIONS,
    EMPTY_PATH,
    FOLDER_LINK,
    NO_INPUT_FILES,
    NO_TEXT,
    HtmlFocus,
    IngestOptions,
    IngestResult,
    Status,
)

__all__ = [
    "DEFAULT_EXTENSIONS",
    "DocumentReader",
    "EMPTY_PATH",
    "FOLDER_LINK",
    "Fetch",
    "FetchResponse",
    "HtmlFocus",
    "IngestOptions",
    "IngestResult",
    "NO_INPUT_FILES",
    "NO_TEXT",
    "Status",
    "fetch_url",
    "iter_documents",
    "user_agent",
]
