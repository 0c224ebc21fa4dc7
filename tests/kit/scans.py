"""The explorer's pending scans run in the test's thread, as its search worker runs them."""

from __future__ import annotations

from tuilogs.core.view import ExplorerState


def run_scans(state: ExplorerState) -> list:
    """Run every pending scan as the worker would; the jobs, in order."""
    jobs = []
    while (job := state.next_scan()) is not None:
        if job.lines is not None:
            found = job.query.scan_lines(state.buffer, job.lines)
        else:
            found = job.query.scan(state.buffer, job.lo, job.hi)
        assert state.add_matches(found, job.lo, job.hi, state.epoch, job.query, job.run)
        jobs.append(job)
    return jobs
