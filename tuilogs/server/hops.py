"""Forwarding hops: how far a batch has travelled through tuilogs routers, so no drain loop
runs forever.

A drain loop the router cannot see when the drain is added (two apps draining into each
other, two routers, a proxy in between) would amplify every line forever. The forwarder says
in `Tuilogs-Hops` how many routers a batch has passed (1 for lines that came straight from
Logplex, a syslog sender or `tuilogs ingest`); the drain endpoint stores a batch whatever its
count, with the count (`StoredBatch.hops`, as forwarders send from the store, perhaps after a
restart), but one that has already made `MAX_HOPS` hops is not forwarded again. Logplex and
other receivers ignore the header.
"""

from __future__ import annotations

HOPS_HEADER = "Tuilogs-Hops"
MAX_HOPS = 4  # a chain of routers longer than this is a loop, not a deployment
MAX_HOPS_VALUE = 1000  # what the header may say at all; beyond is a malformed request
# The router's own delivery reports (L10, L13, L14 in the app's log) are stored as if they had
# reached the limit: kept, never sent to the app's drains, so a failing drain cannot feed itself.
REPORT_HOPS = MAX_HOPS
