"""vaulttool.toml: the settings as frozen dataclasses, read strictly."""
