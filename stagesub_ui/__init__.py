"""StageSub staff UI (Reflex). Kept import-free so the HTTP endpoints and the catalogs load without Reflex."""
