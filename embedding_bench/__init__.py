"""Which text embedding works best for a multilabel classification task, and why: the library
behind the DVC pipeline's stages (stages/) and the `embedding-bench` command."""
