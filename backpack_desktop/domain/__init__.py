"""Pure data types and functions: no Qt, no network, no files."""
