"""`python -m pipeline.sampleweb serve|write ...` (works before the main CLI wires it in)."""
import sys

from .cli import main

sys.exit(main())
