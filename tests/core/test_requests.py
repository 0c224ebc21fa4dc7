"""Following a request: the router's line and the app's lines that carry its request id."""

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
    f"2026-01-01T00:00:00.5+00:00 app[web.2]: retrying request {RID} in prose",
    "2026-01-01T00:00:00.6+00:00 app[web.2]: no id at all",
    f'2026-01-01T00:00:00.7+00:00 app[web.2]: [{RID}] Started GET "/cart" for 1.2.3.4',
    "2026-01-01T00:00:00.8+00:00 app[web.1]: level=info msg=short request_id=ffff",
    "2026-01-01T00:00:00.9+00:00 app[web.1]: level=info msg=fffff",
]


def test_request_ids_of_router_logfmt_and_json_lines():
    ids = [request_id(parse_line(line)) for line in LINES]
    assert ids == [RID, RID, "00000000-aaaa", RID, None, None, RID, "ffff", None]
    assert request_filter(parse_line(LINES[5])) is None


def test_following_a_request_shows_every_line_of_it(tmp_path):
    path = tmp_path / "requests.log"
    path.write_text("".join(line + "\n" for line in LINES))
    buffer, _feed, producer = load(path)
    try:
        # A UUID is found however the line logs it: field, JSON, prose, Rails' tag.
        for start in (0, 1, 3, 6):
            text = request_filter(buffer.record(start))
            assert text == f'"{RID}"'
            assert list(parse_query(text).scan(buffer)) == [0, 1, 3, 4, 6]
        # A short id could be part of other text: only the field.
        text = request_filter(buffer.record(7))
        assert text == "request_id:ffff"
        assert list(parse_query(text).scan(buffer)) == [7]
    finally:
        producer.stop()
