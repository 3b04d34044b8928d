"""vaulttool: keep an Obsidian vault's frontmatter correct without ever damaging a note."""

__version__ = "0.1.0"
