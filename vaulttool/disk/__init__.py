"""The only filesystem code: vault discovery, careful writes, the writer lock, `.vaulttool/` state."""
