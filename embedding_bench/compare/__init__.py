"""The comparison of experiments: reading runs (runs), their per-text results (artifacts),
statistics (stats), selectors (selectors), ensembles (ensembles), paired tests (pairs), the
"why" of a pair (why), the leaderboard (leaderboard), rendering (render) and the command (cli)."""
