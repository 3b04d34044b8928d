"""Pure findings of one note: structure, YAML pitfalls, the schema, tier leaks."""
