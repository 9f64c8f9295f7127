"""The provider runtime that gestaltd launches: ``python -m gestalt._runtime ROOT TARGET KIND``."""
