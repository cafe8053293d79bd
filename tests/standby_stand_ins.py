"""Stand-ins for the batch worker, run as standby workers by tests/test_standby.py (the fork
server imports them by name: they live in a module, not in the test file)."""
from __future__ import annotations

import json
import sys
import time


def echo(argv, environ, channel, startup_log):
    """Takes its job, says its notebook has run, then writes a result a little later."""
    with open(startup_log, "a") as log:
        log.write("starting\n")
    job = channel.recv()
    channel.send("taken")
    channel.send("kernel-done")
    time.sleep(0.3)
    with open(job["result_file"], "w") as out:
        out.write(json.dumps({"student": job["student"], "env": environ.get("WHO")}))


def dies(argv, environ, channel, startup_log):
    """Cannot start: says why in its start-up log and exits 3 before reading any job."""
    with open(startup_log, "a") as log:
        log.write("cannot start: ImportError\n")
    sys.exit(3)


def waits(argv, environ, channel, startup_log):
    """Waits for a job that never comes (its channel closes)."""
    try:
        channel.recv()
    except EOFError:
        pass


def reports_environment(argv, environ, channel, startup_log):
    """Takes the batch's environment as the real worker does, then writes what it sees."""
    import os

    from autograder.batch.worker import take_environment

    take_environment(environ)
    job = channel.recv()
    channel.send("taken")
    with open(job["result_file"], "w") as out:
        out.write(json.dumps({"who": os.environ.get("WHO"), "path": os.environ.get("PATH")}))
