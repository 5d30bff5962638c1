"""``liaison cluster_texts --jsonl [FILE]``: group texts into themes without being told how many.

Reads ``{"id", "text"}`` lines (standard input or FILE) and writes ``{"id", "cluster", "label"}``
lines in the same order: ``cluster`` is 0 for the largest group, 1 for the next, and -1 for texts
that fit no group; ``label`` is the group's key phrases. ``--threshold`` (cosine distance, 0–2) makes
groups tighter (lower) or looser (higher); ``--min-size`` is the smallest group kept.
"""

from django.core.management.base import CommandError

from liaison.themes import services
from liaison.themes.text.clustering import DEFAULT_MIN_SIZE

from ._jsonl_command import JsonLinesCommand


class Command(JsonLinesCommand):
    help = 'Cluster {"id", "text"} lines into themes: writes {"id", "cluster", "label"}.'

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--threshold", type=float, help="Cosine distance at which groups stop merging.")
        parser.add_argument(
            "--min-size",
            type=int,
            default=DEFAULT_MIN_SIZE,
            help=f"Smallest group kept (default {DEFAULT_MIN_SIZE}).",
        )

    def handle(self, *args, **options):
        threshold = options["threshold"]
        if threshold is not None and not 0 < threshold < 2:
            raise CommandError("--threshold must be between 0 and 2 (a cosine distance).")
        if options["min_size"] < 1:
            raise CommandError("--min-size must be at least 1.")
        items = self.read(options)
        status = services.text_model_status()
        if status.is_fallback:
            self.stderr.write(status.summary)
        if not items:
            return
        clusters = services.texts_cluster(
            [item.text for item in items], threshold=threshold, min_size=options["min_size"]
        )
        self.emit(
            {"id": item.id, "cluster": label, "label": clusters.name(label)}
            for item, label in zip(items, clusters.labels, strict=True)
        )
