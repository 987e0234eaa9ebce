"""`python -m pipeline` is the same program as the `newscorpus` console script."""

import sys

from pipeline.cli import main

sys.exit(main())
