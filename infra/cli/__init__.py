"""Entry points: the `antrian` command line and its long-running processes."""
