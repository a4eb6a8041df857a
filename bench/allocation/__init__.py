"""The public allocation benchmark (issue 17): seeded scarce worlds under every allocation policy.

    python -m bench.allocation [--seed N | --seeds 1-5] [--costs platinum=10,gold=4,standard=1]
                               [--policies a,b] [--reserve-days D] [--json]

world.py builds a world (messages only); runner.py runs it through the engine once per
policy (policies.py: the settings, and which policies this engine knows); outcomes.py reads
what happened back from the store's events; metrics.py turns that into per-tier figures
(their definitions are there); bound.py computes the hindsight lower bound on the shortage
cost (the argument is there); report.py prints them, with the issue's target for tier reserve.
"""
