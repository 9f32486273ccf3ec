"""Owns fetching feeds over HTTP: a small resource doing conditional GET (resource key ``feeds``).

Conditional GET (RFC 9110 §13.1.1-13.1.3): the validators of the last successful fetch go back as
``If-None-Match`` (the ETag) and ``If-Modified-Since`` (Last-Modified); a ``304 Not Modified``
answer means the stored episodes are current and nothing is downloaded. Standard library only.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

import dagster as dg


class FeedFetchError(RuntimeError):
    """The feed could not be fetched (network error, HTTP error status, too large); names the URL."""


@dataclass(frozen=True)
class FetchResult:
    """``status`` 200 with ``body``, or 304 with an empty body; ``etag`` / ``last_modified`` are the
    response's validators (on 304, the ones sent)."""

    status: int
    body: bytes
    etag: str | None
    last_modified: str | None


class FeedHttpResource(dg.ConfigurableResource):
    """HTTP GET of feed URLs with conditional requests, a timeout and a size cap."""

    timeout_seconds: float = 30.0
    max_bytes: int = 64 * 1024 * 1024  # the largest real feeds are a few MB
    user_agent: str = "sponsor-pipeline episode catalogue (+https://github.com/)"

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """Fetch ``url``, sending the stored validators.

        Raises:
            FeedFetchError: a scheme other than http(s), a network error, an HTTP status other than
                200/304, or a body over ``max_bytes``.
        """
        if not url.lower().startswith(("http://", "https://")):
            raise FeedFetchError(f"{url}: only http and https feed URLs are fetched")
        headers = {"User-Agent": self.user_agent, "Accept": "application/rss+xml, application/xml;q=0.9, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                body = response.read(self.max_bytes + 1)
                if len(body) > self.max_bytes:
                    raise FeedFetchError(f"{url}: larger than {self.max_bytes} bytes")
                return FetchResult(
                    response.status, body, response.headers.get("ETag"), response.headers.get("Last-Modified")
                )
        except urllib.error.HTTPError as err:
            if err.code == 304:
                return FetchResult(304, b"", etag, last_modified)
            raise FeedFetchError(f"{url}: HTTP {err.code} {err.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise FeedFetchError(f"{url}: {type(err).__name__}: {err}") from None
