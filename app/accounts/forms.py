"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.core.forms import TribuneForm


class RegisterForm(TribuneForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=30)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    password_confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LoginForm(TribuneForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me"))


class ChangePasswordForm(TribuneForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    password_confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ProfileForm(TribuneForm):
    bio = TextAreaField(_l("About you"), validators=[Length(max=2000)])
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("As my browser says")),
            SelectChoice("fr", "Français"),
            SelectChoice("en", "English"),
        ],
    )


class ResetRequestForm(TribuneForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(TribuneForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    password_confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
