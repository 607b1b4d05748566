"""Stage: fetch pretrained vectors given by URL (glove.source) into data/downloads/, verified by
sha256; DVC then caches the file, so it is downloaded once. Other sources need nothing here."""

import argparse

from stages import fileio, params, pretrained
from stages.errors import stage_main


@stage_main
def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cfg = params.load()["glove"]
    source = cfg["source"]

    def fetch(folder):
        folder.mkdir()
        record = {"source": str(source)}
        if pretrained.is_url(source):
            record["file"] = pretrained.download(source, cfg.get("sha256"), folder).name
            record["sha256"] = cfg["sha256"].lower()
        fileio.write_json(record, folder / "source.json")

    with fileio.atomic_path(args.out) as tmp:
        fetch(tmp)
    print(f"download: {'fetched and verified' if pretrained.is_url(source) else 'nothing to fetch for'} "
          f"{source}")


if __name__ == "__main__":
    main()
