"""Generated wire types of the Gestalt provider protocol (proto package gestalt.provider.v1)."""
