"""The episode catalogue: real published RSS feeds served by a local HTTP server, parsed with
feedparser and upserted by GUID, with conditional GET (ETag / Last-Modified) and 304 handling."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from sponsor_pipeline.catalogue import FeedError, parse_duration, parse_feed
from sponsor_pipeline.defs.catalogue.assets import episode_catalogue
from sponsor_pipeline.resources.http import FeedFetchError, FeedHttpResource

FEEDS = Path(__file__).parent / "data" / "feeds"


class FeedServer:
    """``http.server`` on 127.0.0.1 serving ``files`` by path with ETag and Last-Modified; answers
    304 to a matching If-None-Match / If-Modified-Since; records (path, status) of every request."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, int]] = []
        self.modified = formatdate(datetime(2020, 3, 17, tzinfo=UTC).timestamp(), usegmt=True)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.files.get(self.path)
                if body is None:
                    server.requests.append((self.path, 404))
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag or (
                    not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == server.modified
                ):
                    server.requests.append((self.path, 304))
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                server.requests.append((self.path, 200))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", server.modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server():
    files = {f"/{p.name}": p.read_bytes() for p in FEEDS.glob("*.xml")}
    with FeedServer(files) as server:
        yield server


def test_large_real_feed_parses_every_item_with_guid_enclosure_and_duration():
    parsed = parse_feed((FEEDS / "planet-money.xml").read_bytes(), "planet-money.xml")
    assert parsed.title == "Planet Money" and parsed.items == 355
    assert len(parsed.episodes) + sum(parsed.dropped.values()) == 355
    first = parsed.episodes[0]
    assert first.guid == "5b88529b-fed8-4562-8312-61e4b24b0451"
    assert first.title == "#980: The Fed Fights The Virus"
    assert first.published_time == datetime(2020, 3, 16, 21, 50, 1, tzinfo=UTC)
    assert (first.duration_seconds, first.enclosure_bytes) == (1097, 17556408)
    assert len({e.guid for e in parsed.episodes}) == len(parsed.episodes)


def test_seasons_episode_numbers_and_mm_ss_durations_are_read():
    parsed = parse_feed((FEEDS / "all-things-chemical.xml").read_bytes(), "atc")
    first = parsed.episodes[0]
    assert (first.season, first.episode_number, first.duration_seconds) == (1, 3, 39 * 60 + 58)
    assert first.enclosure_url.startswith("https://traffic.libsyn.com/")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1097", 1097), ("39:58", 2398), ("1:02:03", 3723), ("1097.6", 1097), ("", None), ("0", None), ("abc", None)],
)
def test_itunes_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_items_that_cannot_be_episodes_are_counted_with_their_reason():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>a</title><guid>g1</guid><pubDate>Mon, 16 Mar 2020 17:50:01 -0400</pubDate></item>
    <item><title>a again</title><guid>g1</guid><pubDate>Mon, 16 Mar 2020 17:50:01 -0400</pubDate></item>
    <item><title>no date</title><guid>g2</guid></item>
    <item><title>no id</title><pubDate>Mon, 16 Mar 2020 17:50:01 -0400</pubDate></item>
    </channel></rss>"""
    parsed = parse_feed(body, "t")
    assert [e.guid for e in parsed.episodes] == ["g1"] and parsed.items == 4
    assert parsed.dropped == {
        "guid repeated in the feed (the first item is kept)": 1,
        "item without a publication date (pubDate)": 1,
        "item without a guid or an enclosure URL": 1,
    }


def test_a_page_that_is_not_a_feed_is_a_clear_error():
    with pytest.raises(FeedError, match=r"^https://x/feed: not an RSS or Atom feed"):
        parse_feed(b"<html><body>404</body></html>", "https://x/feed")


def test_http_resource_sends_validators_and_reads_304(feed_server):
    feeds = FeedHttpResource(timeout_seconds=5)
    first = feeds.get(f"{feed_server.url}/all-things-chemical.xml")
    assert first.status == 200 and first.etag and first.last_modified
    again = feeds.get(f"{feed_server.url}/all-things-chemical.xml", first.etag, first.last_modified)
    assert (again.status, again.body) == (304, b"")
    by_date = feeds.get(f"{feed_server.url}/all-things-chemical.xml", None, first.last_modified)
    assert by_date.status == 304
    with pytest.raises(FeedFetchError, match="HTTP 404"):
        feeds.get(f"{feed_server.url}/missing.xml")
    with pytest.raises(FeedFetchError, match="only http"):
        feeds.get("file:///etc/passwd")


def run(postgres) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [episode_catalogue],
        resources={"postgres": postgres, "feeds": FeedHttpResource(timeout_seconds=10)},
        raise_on_error=False,
    )


def meta(result) -> dict:
    mat = result.asset_materializations_for_node("episode_catalogue")[0]
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}


def test_catalogue_upserts_feed_episodes_then_an_unchanged_feed_is_one_304(reference, postgres, feed_server):
    conn = reference
    conn.execute(
        "UPDATE shows SET feed_url = %s WHERE tenant_id = 'northwind-audio' AND show_id = 'nw-tech-talk'",
        (f"{feed_server.url}/planet-money.xml",),
    )
    conn.execute(
        "UPDATE shows SET feed_url = %s WHERE tenant_id = 'harbor-pods' AND show_id = 'hp-kitchen-table'",
        (f"{feed_server.url}/all-things-chemical.xml",),
    )
    # a hand-entered episode with the feed's title and date takes its GUID instead of being duplicated
    conn.execute(
        "INSERT INTO episodes (tenant_id, episode_id, show_id, title, published_at, duration_seconds) "
        "VALUES ('northwind-audio', 'nw-pm-980', 'nw-tech-talk', '#980: The Fed Fights The Virus', "
        "'2020-03-16', 1000)"
    )
    conn.commit()
    before = conn.execute("SELECT count(*) FROM episodes").fetchone()[0]

    first = run(postgres)
    assert first.success
    m = meta(first)
    assert (m["feeds"], m["items"], m["inserted"] + m["updated"], m["dropped"]) == (2, 359, 359, 0)
    assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == before + 358
    adopted = conn.execute(
        "SELECT guid, duration_seconds, enclosure_bytes FROM episodes WHERE episode_id = 'nw-pm-980'"
    ).fetchone()
    assert adopted == ("5b88529b-fed8-4562-8312-61e4b24b0451", 1097, 17556408)
    atc = conn.execute(
        "SELECT season, episode_number, duration_seconds FROM episodes WHERE tenant_id = 'harbor-pods' "
        "AND guid = '9a7e7418443444538633719efdfbe7fa'"
    ).fetchone()
    assert atc == (1, 3, 2398)
    stored = conn.execute(
        "SELECT feed_etag IS NOT NULL, feed_last_modified FROM shows WHERE show_id = 'nw-tech-talk'"
    ).fetchone()
    assert stored == (True, feed_server.modified)

    second = run(postgres)
    assert second.success and meta(second)["feeds_not_modified"] == 2 and meta(second)["inserted"] == 0
    assert [status for _, status in feed_server.requests] == [200, 200, 304, 304]
    assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == before + 358


def test_a_failing_feed_is_reported_and_the_others_still_load(reference, postgres, feed_server):
    conn = reference
    conn.execute("UPDATE shows SET feed_url = %s WHERE show_id = 'nw-tech-talk'", (f"{feed_server.url}/gone.xml",))
    conn.execute(
        "UPDATE shows SET feed_url = %s WHERE show_id = 'hp-kitchen-table'",
        (f"{feed_server.url}/all-things-chemical.xml",),
    )
    conn.commit()
    result = run(postgres)
    assert not result.success
    assert conn.execute("SELECT count(*) FROM episodes WHERE guid IS NOT NULL").fetchone()[0] == 4


def test_shows_file_sets_feed_url_and_a_file_without_it_keeps_the_stored_one(reference, tmp_path):
    from sponsor_pipeline.warehouse import imports
    from sponsor_pipeline.warehouse.targets import SHOWS

    from .conftest import SAMPLES

    lines = (SAMPLES / "shows.csv").read_text().splitlines()
    with_feed = tmp_path / "shows_with_feed.csv"
    with_feed.write_text(
        "\n".join([lines[0] + ",feed_url", lines[1] + ",https://feeds.example.com/tech-talk.xml"]) + "\n"
    )
    imports.import_csv(reference, with_feed, SHOWS)
    imports.import_csv(reference, SAMPLES / "shows.csv", SHOWS)  # no feed_url column
    changed = tmp_path / "shows_changed.csv"
    changed.write_text("\n".join([lines[0], lines[1].replace("Tech Talk", "Tech Talk Daily", 1)]) + "\n")
    imports.import_csv(reference, changed, SHOWS)
    assert reference.execute("SELECT title, feed_url FROM shows WHERE show_id = 'nw-tech-talk'").fetchone() == (
        "Tech Talk Daily",
        "https://feeds.example.com/tech-talk.xml",
    )
