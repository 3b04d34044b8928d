"""Each command's work, free of click: read notes through `disk`, call the pure layers, write back."""
