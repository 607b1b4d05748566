"""`python -m embedding_bench.compare ...`, the same as `embedding-bench compare ...`."""

import sys

from embedding_bench.compare.cli import main

sys.exit(main())
