"""newscorpus: crawl, clean, deduplicate and load news into PostgreSQL.

The CLI (`newscorpus`, `python -m pipeline`) and the Airflow DAG both call the
functions of this package, so a stage behaves the same whichever way it runs.
"""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
