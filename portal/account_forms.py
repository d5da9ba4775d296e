"""allauth's forms with their labels in sentence case, like the rest of the portal ("New password",
not "New Password"). Named in settings.ACCOUNT_FORMS."""

from allauth.account import forms as allauth_forms


def _sentence_case(text: str) -> str:
    return text[:1] + text[1:].lower() if text else text


class SentenceCaseLabels:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.label = _sentence_case(str(field.label or ""))
            if "placeholder" in field.widget.attrs:
                field.widget.attrs["placeholder"] = _sentence_case(
                    str(field.widget.attrs["placeholder"])
                )


class LoginForm(SentenceCaseLabels, allauth_forms.LoginForm):
    pass


class ChangePasswordForm(SentenceCaseLabels, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(SentenceCaseLabels, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordKeyForm(SentenceCaseLabels, allauth_forms.ResetPasswordKeyForm):
    pass
