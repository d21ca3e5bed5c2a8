"""`python -m simservice` is the `simservice` command."""

import sys

from simservice.cli import main

sys.exit(main())
