"""``liaison suggest_standard --jsonl [FILE]``: the standard each text is most likely about.

Reads ``{"id", "text"}`` lines (standard input or FILE) and writes ``{"id", "standard", "score"}``
lines in the same order: ``standard`` is a registry code such as ``S02`` (null for a text with no
readable words) and ``score`` a calibrated confidence from 0 to 1. ``--top N`` adds the N best as
``"alternatives"``. Compares against the national baseline.
"""

from liaison.themes import services

from ._jsonl_command import JsonLinesCommand


class Command(JsonLinesCommand):
    help = 'Suggest a standard (S01–S12) for each {"id", "text"} line: writes {"id", "standard", "score"}.'

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--top", type=int, default=1, help="Also list the best N standards (default 1).")

    def handle(self, *args, **options):
        items = self.read(options)
        top = max(1, options["top"])
        status = services.text_model_status()
        if status.is_fallback:
            self.stderr.write(status.summary)
        suggestions = (
            services.suggest_standards_many([item.text for item in items], limit=top) if items else []
        )
        rows = []
        for item, ranked in zip(items, suggestions, strict=True):
            best = ranked[0] if ranked else (None, 0.0)
            row = {"id": item.id, "standard": best[0], "score": best[1]}
            if top > 1:
                row["alternatives"] = [{"standard": code, "score": score} for code, score in ranked]
            rows.append(row)
        self.emit(rows)
