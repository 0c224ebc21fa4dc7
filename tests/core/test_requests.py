"""Following a request: the router's line and the app's lines that carry its request_id."""

from __future__ import annotations

from tuilogs.core.query import parse_query
from tuilogs.core.record import parse_line
from tuilogs.core.requests import request_filter, request_id

from kit.files import load

RID = "5815a3d5-ccf3-110d-6914-2698e5a8181b"
LINES = [
    f'2026-01-01T00:00:00.1+00:00 heroku[router]: at=info method=GET path="/cart" request_id={RID} dyno=web.2 status=200',
    f'2026-01-01T00:00:00.2+00:00 app[web.2]: level=info msg="cart shown" request_id={RID}',
    '2026-01-01T00:00:00.3+00:00 app[web.1]: level=info msg="other" request_id=00000000-aaaa',
    f'2026-01-01T00:00:00.4+00:00 app[web.2]: {{"level": "info", "request_id": "{RID}", "msg": "sql"}}',
    f"2026-01-01T00:00:00.5+00:00 app[web.2]: the id {RID} in prose is not a field",
    "2026-01-01T00:00:00.6+00:00 app[web.2]: no id at all",
]


def test_request_ids_of_router_logfmt_and_json_lines():
    ids = [request_id(parse_line(line)) for line in LINES]
    assert ids == [RID, RID, "00000000-aaaa", RID, None, None]
    assert request_filter(parse_line(LINES[-1])) is None


def test_following_a_request_shows_every_line_of_it(tmp_path):
    path = tmp_path / "requests.log"
    path.write_text("".join(line + "\n" for line in LINES))
    buffer, _feed, producer = load(path)
    try:
        for start in (0, 1, 3):
            text = request_filter(buffer.record(start))
            assert text == f"request_id:{RID}"
            assert list(parse_query(text).scan(buffer)) == [0, 1, 3]
    finally:
        producer.stop()
