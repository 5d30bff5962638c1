"""gunicorn settings for Liaison's web processes, read from the release directory.

gunicorn reads this file when it is started there (or with ``-c gunicorn.conf.py``); everything else
is given on its command line (docs/operations.md). Only what has been measured belongs here.
"""

import gc


def post_worker_init(worker):
    """Once a worker has loaded Liaison, move everything loaded so far out of the garbage collector's
    sight (``gc.freeze``). Those objects live as long as the process, and a full collection would
    otherwise walk all of them again: in one process, a collection every few hundred submissions
    cost about 100 ms, or 0.1 to 0.2 ms a submission on average; frozen, it costs a few."""
    gc.collect()
    gc.freeze()
