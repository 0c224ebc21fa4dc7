"""Two readers of one definition of an error line: `e`/`E` (core/errorlines.py, a query) and the
histogram's red (core/trouble.py, bulk literal searches) must name the same lines."""

from __future__ import annotations

from tuilogs.core.errorlines import error_query
from tuilogs.core.trouble import trouble_lines

from kit.files import SAMPLE, load


def test_next_error_and_the_histogram_agree_on_the_sample():
    buffer, _feed, producer = load(SAMPLE)
    producer.stop()
    errors = list(error_query().scan(buffer, 0, len(buffer)))
    data = buffer._read(buffer.bounds[0], buffer.bounds[-1])
    origins = buffer.origins.origins
    routers = [(origins[k].source, origins[k].dyno) == ("heroku", "router") for k in buffer.keys]
    assert errors  # the sample has errors of every kind: 5xx, levels, codes
    assert trouble_lines(data, routers) == errors
