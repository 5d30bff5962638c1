from django import forms
from django.contrib.auth.forms import AuthenticationForm

from liaison.accounts.models import Role, User


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Contact your Liaison administrator.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class SwitchOrganisationForm(forms.Form):
    membership = forms.TypedChoiceField(coerce=int, error_messages={"required": "Select an organisation"})

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [(m.pk, str(m)) for m in memberships]


class PersonAddForm(forms.Form):
    """Add a member of staff, or give an existing one a new role, at an organisation in scope."""

    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        error_messages={
            "required": "Enter a username",
            "invalid": "Username must be 3 to 150 letters, numbers or the characters . @ + - _",
        },
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(
        required=False,
        error_messages={"invalid": "Enter an email address in the right format, like name@nhs.net"},
    )
    job_title = forms.CharField(max_length=200, required=False)
    organisation_ods = forms.CharField(
        max_length=12, error_messages={"required": "Enter the organisation's ODS code"}
    )
    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": "Select a role"})
    password = forms.CharField(required=False, strip=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.existing_user = None

    def clean_organisation_ods(self):
        code = self.cleaned_data["organisation_ods"].strip().upper()
        organisation = self.scope.filter(ods_code=code).first()
        if organisation is None:
            raise forms.ValidationError(
                f"There is no organisation with ODS code {code} that you administer. "
                "Check the code, for example REM or N82001."
            )
        return organisation

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        from liaison.accounts.selectors import user_by_username

        cleaned = super().clean()
        username = cleaned.get("username")
        if not username:
            return cleaned
        self.existing_user = user_by_username(username=username)
        if self.existing_user is None:
            if not cleaned.get("first_name") or not cleaned.get("last_name"):
                self.add_error(
                    "first_name" if not cleaned.get("first_name") else "last_name",
                    "Enter the person's first and last name",
                )
            password = cleaned.get("password") or ""
            if not password:
                self.add_error("password", "Enter a temporary password for the new account")
            else:
                candidate = User(
                    username=username,
                    first_name=cleaned.get("first_name", ""),
                    last_name=cleaned.get("last_name", ""),
                    email=cleaned.get("email", ""),
                )
                try:
                    validate_password(password, candidate)
                except forms.ValidationError as error:
                    self.add_error("password", error)
        return cleaned
