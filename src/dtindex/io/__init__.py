"""Reading and writing files: tables with clear errors, atomic outputs, hashes."""
