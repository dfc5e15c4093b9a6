"""Gunicorn in the container: `gunicorn --config config/gunicorn.conf.py config.wsgi:application`.

Environment: PORT (default 8000), WEB_CONCURRENCY (worker processes, default 3),
GUNICORN_TIMEOUT (seconds, default 60).
"""

import gc
import os

bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 3)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, staggered, so a slow leak never takes the site down.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file on a disk-backed overlay can stall workers; /dev/shm is memory.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = "-"
errorlog = "-"
# Gunicorn's default format, less %(u)s: that is the user name of an `Authorization: Basic`
# header, and a script that sends its API token as `curl -u "$TOKEN:"` would have the token
# written to the log. No header is logged (a %({authorization}i)s would), and API tokens never
# travel in URLs, so the request line holds none. The last field is the time the worker spent
# on the request in milliseconds (not the time it waited to be accepted).
access_log_format = '%(h)s %(l)s - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# Nothing in the container talks to gunicorn's control socket, and the non-root user has no
# writable home to put it in.
control_socket_disable = True

# Load Django once in the master, then freeze what it allocated before each fork: the
# workers' garbage collections no longer walk the framework's objects (a full collection
# otherwise adds 50-70 ms to the request it lands on), and the pages stay shared.
preload_app = True


def pre_fork(server, worker):
    # Every page's code too, and the URL reverse indexes (config/warmup.py): a new worker, at
    # start and after each max_requests, otherwise spends 0.8 s CPU importing them on its
    # first request. Importing opens no connection; any left open would be shared by the
    # workers, so none is.
    from django.db import connections

    from config.warmup import load_every_page

    load_every_page()
    connections.close_all()
    gc.freeze()
