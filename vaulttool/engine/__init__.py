"""The pure note engine: bytes <-> note, positioned YAML nodes, scalars, splice edits, Obsidian links."""
