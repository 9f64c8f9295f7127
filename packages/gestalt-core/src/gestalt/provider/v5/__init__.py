"""Generated modules, one per .proto file; none is imported here."""
