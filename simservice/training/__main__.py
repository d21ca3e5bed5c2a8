"""`python -m simservice.training train|eval ...`: the training and evaluation commands on their own."""

import sys

from simservice.training.commands import main

sys.exit(main())
