"""Stage (runs on every `dvc repro`): fingerprint every file or folder that params name outside
the pipeline (glove.source, bert.model, ingest.labels.names_file, ingest.files outside
ingest.path, word2vec.extra_files) into
data/sources/<name>.json, so the stages reading one re-run exactly when its content changes."""

from pathlib import Path

from embedding_bench import fileio, params, sources
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "out")
    found = sources.fingerprints(params.load())  # all of them first: an error writes nothing
    for name, fingerprint in found.items():
        fileio.write_json(fingerprint, Path(args.out) / f"{name}.json")


if __name__ == "__main__":
    main()
