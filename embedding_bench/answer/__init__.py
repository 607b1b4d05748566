"""`embedding-bench answer`: the standard comparison on the dataset params.yaml describes, run
through DVC's experiment queue, judged with one verdict per comparison, and written up with the
reasons (plan, queue, choose, evidence, verdicts, why, warnings, report, cli)."""
