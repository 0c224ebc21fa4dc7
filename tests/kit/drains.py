"""Constants of the drain panel and drains CLI tests."""

APP = "myapp"
# Nothing listens on port 1: a connection there is refused at once, on every machine.
DEAD_API = "http://127.0.0.1:1"
