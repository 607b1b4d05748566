"""The schema of params.yaml (pydantic): every param's type, range, default where it has one, and
description (the sections: sections.py). `params.load()` validates params.yaml against it and hands the stages the frozen
model, whose sections (`p.ingest`, `p.bert`, ...) the library reads as attributes; the params
reference (docs/params.md) is generated from it (`embedding-bench params-doc`).

Unknown keys at any level, wrong types (strict: "fifty" is no int, "1" no number), values out of
range and combinations that would be silently ignored fail here, once, before any stage acts.
"""

from typing import Literal

from pydantic import model_validator

from embedding_bench.param_checks import Seed
from embedding_bench.sections import (Baseline, Bert, Cnn, Evaluate, FastText, Glove, Ingest, Preprocess,
                                      Probe, Random, Section, Split, Train, Variant, Vocab, Word2Vec, info)

EMBEDDINGS = ("random", "word2vec", "fasttext", "glove", "bert")


def kind_of(embedding: str, finetune: bool, head: str = "cnn") -> str:
    """What an experiment trains: `word` (a CNN over static word vectors), `ngrams` (the same over
    fastText's, which builds a vector for any word from its character n-grams), `features` (the
    CNN over frozen contextual token features), `pooled` (logistic regression over them, mean-
    pooled) or `finetune` (a transformer and its head end to end)."""
    if embedding != "bert":
        return "ngrams" if embedding == "fasttext" else "word"
    if finetune:
        return "finetune"
    return "pooled" if head == "logreg" else "features"


def mode_of(embedding: str, cnn_mode: str, finetune: bool, head: str = "cnn") -> str:
    """How an experiment uses its embedding, as reports name it: Kim's mode for word vectors
    (`auto`: rand for a random embedding, non_static for pretrained or trained vectors), `frozen`,
    `pooled` (the linear probe) or `finetune` for a BERT-family model."""
    if embedding == "bert":
        return "finetune" if finetune else "pooled" if head == "logreg" else "frozen"
    if cnn_mode == "auto":
        return "rand" if embedding == "random" else "non_static"
    return cnn_mode


class Params(Section):
    dataset: str = info("a name for reports; `ingest` says where and how to read it")
    preprocessing: str = info("the variant the experiment uses: a key of preprocess.variants")
    embedding: Literal[EMBEDDINGS] = info(" | ".join(EMBEDDINGS))
    seed: Seed = info("the experiment's seed (models, word2vec, initialisation)")
    device: str = info("where models run: auto (a CUDA GPU when present, else the CPU) | cpu | "
                        "cuda | cuda:1 ...", pattern=r"^(auto|cpu|cuda(:\d+)?)$")
    ingest: Ingest = info("the dataset's layout")
    split: Split = info("train/val/test")
    preprocess: Preprocess = info("the preprocessing variants (every one is computed and cached)")
    vocab: Vocab = info("the CNN's vocabulary")
    random: Random = info("embedding: random")
    glove: Glove = info("pretrained static vectors (embedding: glove, or word2vec.init: glove)")
    word2vec: Word2Vec = info("gensim, trained on the training split only (plus extra_files)")
    fasttext: FastText = info("subword vectors: trained like word2vec, or a fastText file")
    bert: Bert = info("BERT-family models from transformers")
    cnn: Cnn = info("Kim (2014)")
    train: Train = info("the CNN's training")
    evaluate: Evaluate = info("the decision rule")
    probe: Probe = info("the \"why\": the trained CNN on perturbed test texts")
    baseline: Baseline = info("reference row: TF-IDF + one-vs-rest logistic regression")

    @model_validator(mode="after")
    def variant_exists(self):
        if self.preprocessing not in self.preprocess.variants:
            raise ValueError(f"preprocessing is {self.preprocessing!r}; valid values: "
                             f"{', '.join(self.preprocess.variants)} (the keys of preprocess.variants)")
        return self

    @model_validator(mode="after")
    def random_vectors_are_trained(self):
        # a random embedding has nothing pretrained to freeze or to keep beside a trained copy
        if self.embedding == "random" and self.cnn.mode not in ("auto", "rand"):
            raise ValueError(f"cnn.mode {self.cnn.mode!r} needs pretrained vectors; embedding: "
                             f"random implies cnn.mode rand (or auto)")
        return self

    @model_validator(mode="after")
    def fasttext_trains_from_scratch(self):
        # word2vec.init is word2vec's: fastText's n-gram table has no pretrained start here
        if self.embedding == "fasttext" and self.word2vec.init is not None:
            raise ValueError("word2vec.init: glove starts word2vec from GloVe; fastText trains its "
                             "n-grams from scratch: set word2vec.init: null (or fasttext.source to a "
                             "pretrained fastText file)")
        return self

    @property
    def variant(self) -> Variant:
        """The steps of the experiment's preprocessing variant."""
        return self.preprocess.variants[self.preprocessing]

    @property
    def kind(self) -> str:
        return kind_of(self.embedding, self.bert.finetune, self.bert.head)

    @property
    def mode(self) -> str:
        return mode_of(self.embedding, self.cnn.mode, self.bert.finetune, self.bert.head)
