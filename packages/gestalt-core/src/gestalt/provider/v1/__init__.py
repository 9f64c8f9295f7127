"""Generated modules, one per .proto file; import the ones you need (none is imported here)."""
