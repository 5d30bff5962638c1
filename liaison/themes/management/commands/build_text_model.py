"""``liaison build_text_model``: build the static sentence model Liaison uses to read concern text.

Reads the all-MiniLM-L6-v2 weights from the installed model package (no network, no torch), and
writes the model under ``LIAISON_VAR_DIR`` (``var/themes/text-model`` by default). Running web
processes pick up the new model on their next request. Takes a minute or two on two cores.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from liaison.themes import services
from liaison.themes.text.build import ModelSourceMissing


class Command(BaseCommand):
    help = "Build the offline sentence model (from the all-MiniLM-L6-v2 package) under LIAISON_VAR_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to write the model (default: under LIAISON_VAR_DIR).")
        parser.add_argument(
            "--dimensions", type=int, default=256, help="Vector size after PCA (default 256)."
        )

    def handle(self, *args, **options):
        last = {"percent": -1}

        def progress(done: int, total: int) -> None:
            percent = done * 100 // total
            if percent // 10 != last["percent"] // 10 and sys.stderr.isatty():
                self.stderr.write(f"  {percent}% of {total} tokens")
            last["percent"] = percent

        try:
            report = services.text_model_build(
                directory=options["directory"], dimensions=options["dimensions"], progress=progress
            )
        except ModelSourceMissing as error:
            raise CommandError(
                f"{error} Until it is built, Liaison uses keyword matching (TF-IDF)."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the text model in {report.directory}: {report.vocabulary_size} tokens × "
                f"{report.dimensions} dimensions, {report.bytes_on_disk / 1_000_000:.1f} MB, "
                f"in {report.seconds:.0f} s."
            )
        )
