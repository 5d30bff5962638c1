"""The activity upload form: a CSV file, or the same lines pasted in."""

from django import forms

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ActivityUploadForm(forms.Form):
    file = forms.FileField(required=False)
    pasted = forms.CharField(required=False, widget=forms.Textarea, max_length=MAX_UPLOAD_BYTES)

    def clean(self):
        cleaned = super().clean()
        upload, pasted = cleaned.get("file"), (cleaned.get("pasted") or "").strip()
        if upload is None and not pasted:
            self.add_error("file", "Choose a CSV file of activity figures, or paste its lines below")
            return cleaned
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("file", "The file must be 5 MB or smaller: split it into several files")
                return cleaned
            try:
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file must be a CSV file saved as UTF-8 text")
        else:
            cleaned["text"] = pasted
        return cleaned
