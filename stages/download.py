"""Stage: fetch pretrained vectors given by URL (glove.source) into data/downloads/, verified by
sha256; DVC then caches the file, so it is downloaded once. Other sources need nothing here."""

from embedding_bench import downloads, fileio, params, sources
from embedding_bench.cli import arguments, stage_main


@stage_main
def main():
    args = arguments(__doc__, "out")
    cfg = params.load().glove
    source = cfg.source

    def fetch(folder):
        folder.mkdir()
        record = {"source": str(source)}
        if sources.is_url(source):
            path = downloads.download(source, cfg.sha256, folder)
            record.update(file=path.name, sha256=cfg.sha256.lower())
            if downloads.is_archive(path):  # unpacked once here, so that embed reads it directly
                record["member"] = str(downloads.extract_member(path, cfg.member, folder)
                                       .relative_to(folder.resolve()))
        fileio.write_json(record, folder / "source.json")

    with fileio.atomic_path(args.out) as tmp:
        fetch(tmp)
    print(f"download: {'fetched and verified' if sources.is_url(source) else 'nothing to fetch for'} "
          f"{source}")


if __name__ == "__main__":
    main()
