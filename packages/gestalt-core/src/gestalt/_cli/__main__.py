"""``python -m gestalt._cli``: the ``gestalt`` command where no console script is installed."""

from gestalt._cli import main

raise SystemExit(main())
