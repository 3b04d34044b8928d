"""Pure access-tier logic: sibling paths, the links section, stub templates."""
