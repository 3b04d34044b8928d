"""vaulttool: keep an Obsidian vault's frontmatter correct without ever damaging a note."""

__version__ = "0.1.0"
# The name pip installs it by. `vaulttool` on PyPI is an unrelated project (file encryption, with the
# same command and import name): every recipe and document installs this name, pinned.
DISTRIBUTION = "obsidian-vaulttool"
