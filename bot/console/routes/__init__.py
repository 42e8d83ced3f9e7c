"""The console's routes, one module per job; each `routes(pages)` returns its Route list."""
