"""A small log of one request's lines (app and router), for following a request."""

from __future__ import annotations

RID = "5815a3d5-ccf3-110d-6914-2698e5a8181b"


def request_file(tmp_path):
    """Five lines, three of them (two app lines, one router line) of request RID."""
    path = tmp_path / "requests.log"
    path.write_text(
        "2026-01-01T00:00:00.1+00:00 app[web.1]: level=info msg=other request_id=ffff\n"
        f'2026-01-01T00:00:00.2+00:00 app[web.2]: {{"msg": "sql", "request_id": "{RID}"}}\n'
        f"2026-01-01T00:00:00.3+00:00 app[web.2]: level=info msg=done request_id={RID}\n"
        f"2026-01-01T00:00:00.4+00:00 heroku[router]: at=info path=/ request_id={RID}"
        " dyno=web.2 status=200\n"
        "2026-01-01T00:00:00.5+00:00 app[web.1]: level=info msg=later\n"
    )
    return path
