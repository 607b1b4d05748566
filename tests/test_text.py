import pytest

from conftest import repository_params
from embedding_bench.errors import UserError
from embedding_bench.params import check
from embedding_bench.sections import PREPROCESSING_STEPS, Variant
from embedding_bench.text import Preprocessor

LIGHT = {"urls": "placeholder", "mentions": "placeholder", "hashtags": "split", "emoji": "words",
         "elongation": "shorten", "lowercase": True}
FULL = {"lowercase": True, "alnum_only": True, "stopwords": "sklearn", "stem": "porter"}
TWEET = "@TheRealDan I am NOT happyyyy 😭 #SoDone https://t.co/abc don't"


def test_raw_is_tweet_tokenized_only():
    assert Preprocessor(Variant(**{})).tokens(TWEET) == ["@TheRealDan", "I", "am", "NOT", "happyyyy", "😭",
                                              "#SoDone", "https://t.co/abc", "don't"]


def test_light_keeps_meaning():
    assert Preprocessor(Variant(**LIGHT)).tokens(TWEET) == ["<user>", "i", "am", "not", "happyy", "loudly",
                                                 "crying", "face", "so", "done", "<url>", "don't"]


def test_full_strips_negation_and_stems():
    assert Preprocessor(Variant(**FULL)).tokens(TWEET) == ["therealdan", "happyyyy", "sodon", "http", "t",
                                               "abc", "don", "t"]
    assert Preprocessor(Variant(**FULL)).tokens("I am not happy") == ["happi"]


@pytest.mark.parametrize("options, text, expected", [
    ({"hashtags": "word"}, "#GoodVibes2024 yay", ["GoodVibes", "2024", "yay"]),
    ({"hashtags": "split"}, "#GoodVibes2024", ["Good", "Vibes", "2024"]),
    ({"elongation": "shorten"}, "soooo cooool", ["soo", "cool"]),
    ({"urls": "remove", "mentions": "remove"}, "@a hi www.x.org", ["hi"]),
    ({"emoji": "remove"}, "ok 😂😂", ["ok"]),
    ({"lowercase": True, "alnum_only": True}, "Café — naïve!", ["café", "naïve"]),
    ({"stopwords": "sklearn"}, "this is not good", ["good"]),
    ({"stem": "snowball"}, "running cats", ["run", "cat"]),
])
def test_single_steps(options, text, expected):
    assert Preprocessor(Variant(**options)).tokens(text) == expected


def test_text_that_becomes_empty_gives_no_tokens():
    assert Preprocessor(Variant(**FULL)).tokens("😂 !!! 🙏") == []


def test_unknown_step_or_value_lists_the_valid_ones():
    def with_variant(steps):
        params = repository_params()
        params["preprocess"]["variants"]["mine"] = steps
        return check(params)

    with pytest.raises(UserError, match=r"variants.mine.stem is 'lancaster'; valid values: null, porter, snowball"):
        with_variant({"stem": "lancaster"})
    with pytest.raises(UserError, match=r"unknown param preprocess.variants.mine.stemming; did you mean "
                                        r"preprocess.variants.mine.stem\?"):
        with_variant({"stemming": "porter"})
    assert with_variant({"stem": "snowball"}).preprocess.variants["mine"].stem == "snowball"


def test_every_declared_step_value_is_implemented():
    from embedding_bench.text import STEMMERS, STOPWORD_LISTS

    assert set(PREPROCESSING_STEPS["stem"][0][1:]) == set(STEMMERS)
    assert set(PREPROCESSING_STEPS["stopwords"][0][1:]) == set(STOPWORD_LISTS)
    for step, (values, _) in PREPROCESSING_STEPS.items():  # every value runs
        for value in values:
            tokens = Preprocessor(Variant(**{step: value})).tokens("Soooo #HappyDay @ann http://x.co 😀 not")
            assert isinstance(tokens, list)


@pytest.mark.parametrize("variant", [{}, {"lowercase": True, "urls": "placeholder", "emoji": "words"},
                                     {"lowercase": True, "alnum_only": True}])
def test_typographic_apostrophes_keep_negations_and_placeholders_stay_whole(variant):
    tokens = Preprocessor(Variant(**variant)).tokens("I don’t like [NAME], “really” can‘t [RELIGION]")
    lower = [t.lower() for t in tokens]
    if variant.get("alnum_only"):  # full-style: punctuation goes, the placeholder stays one token
        assert lower == ["i", "don", "t", "like", "[name]", "really", "can", "t", "[religion]"]
    else:
        assert lower == ["i", "don't", "like", "[name]", ",", '"', "really", '"', "can't", "[religion]"]
    # brackets around several words, or around digits, are not a placeholder
    assert Preprocessor(Variant(**{})).tokens("[ not one ] [a1]") == ["[", "not", "one", "]", "[", "a1", "]"]
