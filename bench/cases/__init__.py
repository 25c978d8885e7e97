"""bench/run's cases, one module each; every case adds its rows to lib.results."""
