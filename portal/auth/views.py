from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from portal.admin.logos import logo_dir
from portal.auth import bp, rules
from portal.auth.forms import ChangePasswordForm, EmptyForm, LanguageForm, LoginForm
from portal.extensions import limiter
from portal.passwords import verify_password
from portal.permissions import public, signed_in


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _login_failed(response) -> bool:
    return g.get("login_failed", False)


def _account_key() -> str:
    return "login-account:" + rules.normalize_email(request.form.get("email", ""))


def _address_key() -> str:
    return "login-address:" + (get_remote_address() or "")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_failure_limit, key_func=_account_key, deduct_when=_login_failed, methods=["POST"])
@limiter.limit(_failure_limit, key_func=_address_key, deduct_when=_login_failed, methods=["POST"])
def login():
    if current_user.is_authenticated and g.membership is not None:
        return redirect(url_for("clients.index"))
    form = LoginForm()
    if not form.next.data and is_safe_next(request.args.get("next")):
        form.next.data = request.args["next"]
    error = None
    if form.validate_on_submit():
        user = rules.authenticate(form.email.data, form.password.data, g.brand)
        if user is not None and g.brand.active:
            next_url = form.next.data if is_safe_next(form.next.data) else None
            locale = session.get("locale")
            # A fresh session (and so a fresh CSRF token) for the signed-in user.
            session.clear()
            if locale and not user.locale:
                session["locale"] = locale
            rules.start_session(user, g.brand)
            login_user(user)
            return redirect(next_url or url_for("clients.index"))
        if user is not None:
            error = _("This portal is closed. Please contact your administrator.")
        else:
            g.login_failed = True
            error = _("Invalid email or password.")
    elif form.is_submitted():
        g.login_failed = True
        error = _("Enter your email and password.")
    status = 401 if g.get("login_failed") else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@public  # signing out must work even for a session that has just lost its permissions
def logout():
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        rules.end_session(current_user, g.brand)
        logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public  # the sign-in page offers the switch before anyone has signed in
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            rules.set_locale(current_user, form.locale.data)
        session["locale"] = form.locale.data
    target = form.next.data if is_safe_next(form.next.data) else url_for("auth.login")
    return redirect(target)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    """Choose a new password; required after a reset, before anything else."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("The current password is not right.")]
        else:
            rules.change_password(current_user, form.password.data)
            # Every session ended with the change, this one too: sign in again.
            logout_user()
            session.clear()
            flash(_("Password changed. Sign in with your new password."), "success")
            return redirect(url_for("auth.login"))
    form.current_password.data = form.password.data = form.confirmation.data = ""
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.before_app_request
def require_new_password():
    """After a reset, a user goes nowhere but the password page (or out)."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and g.get("brand") is not None
        and request.endpoint not in ("auth.change_password", "auth.logout", "static")
    ):
        return redirect(url_for("auth.change_password"))
    return None


@bp.get("/logo.png")
@public  # the sign-in page shows it
def logo():
    if not g.brand.logo_name:
        abort(404)
    return send_file(logo_dir() / g.brand.logo_name, mimetype="image/png", max_age=3600)
