"""gunicorn's settings for the portal: `gunicorn -c gunicorn.conf.py` (README, "Production").

Workers and threads come from the environment. gunicorn's own access log is off: the portal
writes one JSON line per request itself (portal/serving.py), with the request id, the URL rule,
the user and the brand, which gunicorn's line cannot know.
"""

import multiprocessing
import os

wsgi_app = "wsgi:app"
chdir = os.path.dirname(os.path.abspath(__file__))  # wsgi.py, templates and catalogs are here
bind = [address.strip() for address in os.environ.get("BIND", "127.0.0.1:8000").split(",")]

# Processes: the portal waits on the database for much of a request, so two per core and one.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Threads per process: above 1, gunicorn uses its threaded worker (gthread).
threads = int(os.environ.get("WEB_THREADS") or 1)
# Seconds a request may take before gunicorn restarts its worker.
timeout = int(os.environ.get("WEB_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Heartbeats in memory, not on a disk that may stall under load (where /dev/shm exists).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, not a temp file
# gunicorn's control socket has one default path per user: two instances on one machine would
# fight over it, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Without Redis, each worker sweeps for stranded jobs from its start (portal/jobs.py), not
    only from its first request: a job killed with the last server resumes by itself."""
    from portal import jobs

    jobs.start_if_wanted(worker.wsgi)
