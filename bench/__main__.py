"""``make bench`` / ``python -m bench``: the grading-speed benchmark (see bench/grading_speed.py)."""
from bench.grading_speed import main

raise SystemExit(main())
