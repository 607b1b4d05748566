"""Bad input through the real stage commands: a clear message, exit status 2, no output written."""

import contextlib
import importlib
import io
import json
import subprocess
import sys
import unittest.mock

import pytest
from ruamel.yaml import YAML

from conftest import ROOT, repository_params
from embedding_bench.errors import UserError
from embedding_bench.params import check


def in_process(stage, args, cwd):
    """A stage's main() as `python -m stages.<stage> args` in `cwd` runs it, in this process (a
    new interpreter costs seconds of imports): its exit status, stdout and stderr."""
    module = importlib.import_module(f"stages.{stage}")
    out, err = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            unittest.mock.patch.object(sys, "argv", [f"stages/{stage}.py", *args]):
        try:
            module.main()
        except SystemExit as e:
            status = e.code if isinstance(e.code, int) else 1
    return subprocess.CompletedProcess([stage, *args], status, out.getvalue(), err.getvalue())


@pytest.fixture
def project(tmp_path):
    """A working directory with the repository's params.yaml, pointed at a dataset folder; a
    stage runs in this process, or with `isolated=True` as its own command, as DVC runs it."""
    (tmp_path / "data").mkdir()
    yaml = YAML()
    params = yaml.load(ROOT / "params.yaml")
    params["ingest"]["path"] = str(tmp_path / "data")
    params["ingest"]["files"] = {"all": "data.csv"}

    def run(stage, *args, edit=None, csv=None, isolated=False, env=()):
        if edit:
            edit(params)
        yaml.dump(params, tmp_path / "params.yaml")
        if csv is not None:
            (tmp_path / "data" / "data.csv").write_bytes(csv if isinstance(csv, bytes) else csv.encode())
        if not isolated:
            return in_process(stage, args, tmp_path)
        return subprocess.run([sys.executable, "-m", f"stages.{stage}", *args], cwd=tmp_path,
                              capture_output=True, text=True,
                              env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **dict(env)})

    run.dir = tmp_path
    return run


INGEST = ("--out", "out/ingested", "--report", "out/ingest.json")


def ingest_and_split(project, csv):
    """The ingest stage on `csv` (it must pass), then the split stage's result."""
    assert project("ingest", *INGEST, csv=csv).returncode == 0
    return project("split", "--ingested", "out/ingested", "--out", "out/split", "--report", "out/split.json")


@pytest.mark.parametrize("csv, message", [
    (None, "data.csv: file not found; check ingest.path and ingest.files"),
    ("", "data.csv: the file is empty"),
    ("id,text,joy\n", "data.csv: no data rows (header only?)"),
    ("id,tweet,joy\n1,hi,1\n", "no column 'text' (ingest.text_column); columns found: id, tweet, joy"),
    ("id,text,joy\n1,hi,1\n2,ho,maybe\n", "line 3, column 'joy' has label value 'maybe', not 0/1"),
    ("id,text,joy\n1,hi,1\n2,ho,0,1\n", "line 3 has 4 fields and the header 3"),
    ("id,text,joy,sad\n1,hi,1,0\n1,ho,0,1\n", "duplicate ids (2 rows)"),
    (b"id,text,joy\n1,caf\xe9,1\n", "line 2 is not valid utf-8"),
])
def test_ingest_bad_input(project, csv, message):
    result = project("ingest", *INGEST, csv=csv, isolated=csv is None)  # one as its own command
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project.dir / "out").exists() or not any((project.dir / "out").iterdir())


@pytest.mark.parametrize("edit, message", [
    (lambda p: p.update(embedding="elmo"),
     "embedding is 'elmo'; valid values: random, word2vec, fasttext, glove, bert"),
    (lambda p: p.update(preprocessing="heavy"), "preprocessing is 'heavy'; valid values: raw, light, full"),
    (lambda p: p["train"].update(batch_size="fifty"),
     "train.batch_size is 'fifty': input should be a valid integer"),
    (lambda p: p["split"].update(test_size=None), "split.test_size is None: input should be a valid number"),
    (lambda p: p.update(embeding="bert"), "unknown param embeding; did you mean embedding?"),
    (lambda p: p["cnn"].update(filter_width=[2]), "unknown param cnn.filter_width; did you mean cnn.filter_widths?"),
    (lambda p: p["train"].update(batch_size=0), "train.batch_size is 0: input should be greater than or equal to 1"),
    (lambda p: p["train"].update(batch_size=-5), "train.batch_size is -5: input should be greater than or equal to 1"),
    (lambda p: p["train"].update(max_epochs=0), "train.max_epochs is 0: input should be greater than or equal to 1"),
    (lambda p: p.update(preprocessing="medium"), "preprocessing is 'medium'; valid values: raw, light, full"),
    (lambda p: p["evaluate"].update(threshold=1.5), "evaluate.threshold is 1.5: use a number between 0 and 1"),
    (lambda p: p["evaluate"].update(at_least_one="yes"), "evaluate.at_least_one is 'yes': use true, false or auto"),
    (lambda p: p["cnn"].update(max_len=2), "cnn: max_len 2 is shorter than the widest filter (5)"),
    (lambda p: p["preprocess"]["variants"]["light"].update(stemm="porter"),
     "unknown param preprocess.variants.light.stemm; did you mean preprocess.variants.light.stem?"),
    (lambda p: p["ingest"]["labels"].update(layot="wide"),
     "unknown param ingest.labels.layot; did you mean ingest.labels.layout?"),
    (lambda p: p["bert"].pop("model"), "bert.model is missing"),
    (lambda p: p["cnn"].update(mode="dynamic"), "cnn.mode is 'dynamic'; valid values: auto, rand"),
    (lambda p: p["bert"].update(head="label_tokens"),
     "bert: head 'label_tokens' and layer_decay 1.0 apply to fine-tuning only; set bert.finetune: true"),
    (lambda p: p["bert"].update(head="labels"), "bert.head is 'labels'; valid values: cnn, label_tokens"),
    (lambda p: p["glove"].update(sha256="abc"), "glove.sha256 is 'abc': string should match pattern"),
    (lambda p: p["ingest"].update(encoding="hex"), "ingest.encoding is 'hex': not an encoding Python knows"),
    (lambda p: p["bert"].update(layer=-2, last_n=2),
     "bert: layer -2 with last_n 2: layer picks one hidden state and applies only with last_n: 1"),
    (lambda p: p["bert"].update(layer_decay=1.5, finetune=True),
     "bert.layer_decay is 1.5: input should be less than or equal to 1"),
    (lambda p: p["train"].update(lca_weight=1.0), "train.lca_weight is 1.0: input should be less than 1"),
    (lambda p: p["ingest"].update(encoding="utf8x"), "ingest.encoding is 'utf8x': not an encoding Python knows"),
    (lambda p: p["ingest"].update(delimiter=";;"), "ingest.delimiter is ';;': use one character, e.g. ';'"),
    (lambda p: p["ingest"].update(delimiter="\\t"),
     "use one character, e.g. ';' or \"\\t\" in double quotes (in single quotes YAML reads '\\t' as two characters)"),
    (lambda p: p.update(seed=-1), "seed is -1: input should be greater than or equal to 0"),
    (lambda p: p["split"].update(seed=2**32), "split.seed is 4294967296: input should be less than 4294967296"),
    (lambda p: p["ingest"]["labels"].update(names_file="names.txt"),
     "ingest.labels: names_file names the ids of the long layout; the wide layout takes"),
])
def test_bad_params_are_one_message_naming_the_param(edit, message):
    params = repository_params()
    edit(params)
    with pytest.raises(UserError) as refused:
        check(params)
    assert str(refused.value).startswith("params.yaml: ") and message in str(refused.value)
    assert "\n" not in str(refused.value)  # one message, on one line


def test_bad_params_stop_a_stage_before_any_work(project):
    """As a stage meets them: exit status 2, the one line on stderr, nothing written. Run by DVC
    (which sets DVC_STAGE), the message says how to bring back the outputs DVC removed first."""
    result = project("ingest", *INGEST, edit=lambda p: p.update(embedding="elmo"), csv="id,text,joy\n1,hi,1\n",
                     isolated=True, env={"DVC_STAGE": "ingest"})
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("error: params.yaml: embedding is 'elmo'; valid values: random, word2vec, "
                             "fasttext, glove, bert (DVC removed this stage's outputs before running it: `git "
                             "checkout -- metrics plots` brings back the committed metrics, `dvc "
                             "checkout` the rest)\n")
    assert not (project.dir / "out").exists()
    by_hand = project("ingest", *INGEST, isolated=True)
    assert by_hand.returncode == 2 and by_hand.stderr == ("error: params.yaml: embedding is 'elmo'; valid "
                                                          "values: random, word2vec, fasttext, glove, bert\n")


def test_single_row_dataset_cannot_be_split(project):
    result = ingest_and_split(project, "id,text,joy,sad\n1,hi,1,0\n")
    assert result.returncode == 2 and "too few rows to split" in result.stderr
    assert not (project.dir / "out" / "split").exists()


def test_label_without_training_positives_is_warned_and_reported(project):
    rows = "".join(f"{i},text {i},{int(i % 2 == 0)},0\n" for i in range(40))
    result = ingest_and_split(project, "id,text,joy,anger\n" + rows)
    assert result.returncode == 0
    assert "warning: labels with no positive example in training: anger" in result.stderr
    assert '"labels_without_training_examples": 1' in (project.dir / "out/split.json").read_text()


def test_a_label_on_every_training_text_is_warned_by_name(project):
    # found by a newcomer: only scikit-learn's "Label 0 is present in all training examples" (an
    # index among the trainable columns) told it, while the label lifted every model's Jaccard
    rows = "".join(f"{i},text {i},1,{int(i % 2 == 0)}\n" for i in range(40))
    result = ingest_and_split(project, "id,text,tweet,joy\n" + rows)
    assert result.returncode == 0, result.stderr
    assert "warning: labels on every training text (29 texts): tweet; they carry no information" in result.stderr
    assert '"labels_on_every_training_text": 1' in (project.dir / "out/split.json").read_text()


@pytest.mark.parametrize("bad_csv, bad_edit", [
    ("id,text,joy\n1,hi,1\n2,ho,\n", None),                         # a missing label cell
    ("id,text,joy\n1,hi,1\n", lambda p: p["train"].update(batch_size=0)),  # a param out of range
])
def test_recovery_after_the_input_is_fixed(project, bad_csv, bad_edit):
    failed = project("ingest", *INGEST, edit=bad_edit, csv=bad_csv)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert not (project.dir / "out").exists()
    fixed = project("ingest", *INGEST, edit=lambda p: p["train"].update(batch_size=50),
                    csv="id,text,joy,sad\n1,hi,1,0\n2,ho,0,1\n")
    assert fixed.returncode == 0, fixed.stderr
    assert (project.dir / "out" / "ingest.json").is_file()


def test_a_variant_that_empties_every_training_text_is_refused_where_it_is_used(project):
    """Emoji-only texts: `full` keeps alphanumerics only, so nothing is left to learn from; the
    variant's own stage still runs (another experiment may use `light`), the model stages stop."""
    rows = "".join(f"{i},{'😂 🙏' if i % 2 else '😡 !!'},{i % 2},{1 - i % 2}\n" for i in range(40))
    assert ingest_and_split(project, "id,text,joy,anger\n" + rows).returncode == 0
    prep = project("preprocess", "--variant", "full", "--split", "out/split", "--out", "out/full",
                   "--report", "out/full.json")
    assert prep.returncode == 0 and "texts left empty" in prep.stdout
    result = project("baseline", "--data", "out/full", "--metrics", "out/baseline", "--plots",
                     "out/plots", "--predictions", "out/predictions",
                     edit=lambda p: p.update(preprocessing="full"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "preprocessing 'full' leaves every one of the 29 training texts empty" in result.stderr
    assert not (project.dir / "out" / "baseline").exists()


def test_no_training_label_at_all_is_refused_at_split(project):
    rows = "".join(f"{i},text {i},0,0\n" for i in range(40))
    result = ingest_and_split(project, "id,text,joy,anger\n" + rows)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "no training text has any label (29 texts): nothing to learn" in result.stderr
    assert not (project.dir / "out" / "split").exists()


def test_a_min_count_that_leaves_no_word_is_refused(project):
    # found by a newcomer: vocab.min_count trained a CNN on <unk> only, with embed.json telling a
    # 0.4% OOV rate; word2vec.min_count was gensim's "you must first build vocabulary" traceback
    rows = "".join(f"{i},w{chr(97 + i // 26)}{chr(97 + i % 26)} common {('red', 'green', 'blue')[i % 3]},"
                   f"{i % 2},{1 - i % 2}\n" for i in range(40))  # one word of its own per text
    assert ingest_and_split(project, "id,text,joy,anger\n" + rows).returncode == 0
    assert project("preprocess", "--variant", "light", "--split", "out/split", "--out", "out/light",
                   "--report", "out/light.json").returncode == 0
    embed = ("embed", "--data", "out/light", "--downloads", "out/downloads", "--out", "out/features",
             "--report", "out/embed.json")
    for section, message in [
            ("vocab", "vocab.min_count is 1000: no word occurs that often in the training texts, so "
                      "every token would be unknown"),
            ("word2vec", "word2vec.min_count is 1000: no word occurs that often in the 29 training texts")]:
        result = project(*embed, edit=lambda p: (p.update(embedding="word2vec", preprocessing="light"),
                                                 p["vocab"].update(min_count=1), p["word2vec"].update(min_count=1),
                                                 p[section].update(min_count=1000)))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert message in result.stderr
        assert not (project.dir / "out" / "features").exists()
    # the vocabulary's min_count also bounds the OOV rate told: a word under it is <unk>, whatever
    # vectors word2vec learnt for it
    ok = project(*embed, edit=lambda p: (p["vocab"].update(min_count=2), p["word2vec"].update(min_count=1)))
    assert ok.returncode == 0, ok.stderr
    report = json.loads((project.dir / "out" / "embed.json").read_text())
    assert report["vocabulary_size"] == 2 + 4 and report["vocabulary_with_vectors"] == 4  # common red green blue
    assert report["train"]["oov_type_rate"] == round(29 / 33, 4)  # each text's own word


def test_a_metrics_file_from_another_version_is_one_error_at_headline(tmp_path):
    """The headline stage given a metrics file without the headline's keys (an older evaluate's):
    one message naming the model, the missing keys and the stage to re-run; no output."""
    (tmp_path / "old.json").write_text(json.dumps({"test": {"jaccard": 0.5, "f1_micro": 0.6}}))
    out = tmp_path / "headline.json"
    result = subprocess.run([sys.executable, "-m", "stages.headline", "--cnn", str(tmp_path / "old.json"),
                             "--baseline", str(ROOT / "metrics/baseline/metrics.json"), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the cnn metrics lack test.f1_macro, test.hamming_loss, test.empty_prediction_rate" in result.stderr
    assert "dvc repro --force evaluate" in result.stderr and not out.exists()
