"""``python -m softstake_model.cli``: the ``softstake`` command."""

import sys

from . import main

sys.exit(main())
