"""Stage: the numbers a reviewer reads first, alone in one small file: the CNN's and the
baseline's test Jaccard, micro/macro-F1, hamming loss and empty-prediction rate, in
metrics/headline.json (`dvc metrics diff main --targets metrics/headline.json`)."""

from embedding_bench import fileio
from embedding_bench.cli import arguments, stage_main
from embedding_bench.headline import headline


@stage_main
def main():
    args = arguments(__doc__, "cnn", "baseline", "out")
    models = {"cnn": fileio.read_json(args.cnn), "baseline": fileio.read_json(args.baseline)}
    fileio.write_json(headline(models), args.out)


if __name__ == "__main__":
    main()
