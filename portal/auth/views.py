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
from flask_babel import ngettext
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from portal.auth import bp, links, rules
from portal.auth.forms import (
    ChangePasswordForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
)
from portal.edge import parse_id
from portal.extensions import limiter
from portal.forms import EmptyForm
from portal.logos import logo_dir
from portal.models import LinkPurpose
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
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if not form.next.data and is_safe_next(request.args.get("next")):
        form.next.data = request.args["next"]
    error = None
    if not g.brand.active:
        # A closed portal gives one answer to everybody, whatever the password: no password is
        # even checked, so nobody learns there whether an account exists or a password is right.
        error = _("This portal is closed. Please contact your administrator.")
    elif form.validate_on_submit():
        user = rules.authenticate(form.email.data, form.password.data, g.brand)
        if user is not None:
            next_url = form.next.data if is_safe_next(form.next.data) else None
            locale = session.get("locale")
            # A fresh session (and so a fresh CSRF token) for the signed-in user.
            session.clear()
            if locale and not user.locale:
                session["locale"] = locale
            rules.start_session(user, g.brand)
            login_user(user)
            if waiting := len(links.pending_invitations(user)):
                flash(
                    ngettext(
                        "You are invited to join %(num)d more brand.",
                        "You are invited to join %(num)d more brands.",
                        waiting,
                    ),
                    "invitation",
                )
            return redirect(next_url or url_for("dashboard.index"))
        g.login_failed = True
        error = _("Invalid email or password.")
    elif form.is_submitted():
        g.login_failed = True
        error = _("Enter your email and password.")
    status = 401 if g.get("login_failed") else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.errorhandler(RateLimitExceeded)
def too_many_failures(error):
    """The sign-in page again, saying why it waits (the limits guard only the sign-in)."""
    message = _("Too many failed sign-in attempts. Please wait 15 minutes and try again.")
    return render_template("auth/login.html", form=LoginForm(), error=message), 429


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
    """Choose a new password, knowing the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors = [_("The current password is not right.")]
        else:
            rules.change_password(current_user, form.password.data)
            return _signed_out_to_login(_("Password changed. Sign in with your new password."))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


def _signed_out_to_login(message: str):
    """Every session of the account ended with the change, this browser's too: sign in again."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(message, "success")
    return redirect(url_for("auth.login"))


# --- emailed links ----------------------------------------------------------------------


@bp.get("/account/link/<token>")
@public  # the holder of the link is whoever opens it from their mailbox
def open_link(token: str):
    """The address in the email: the token moves into the session, out of the address bar,
    the browser history and any Referer header."""
    session["account_link"] = token
    return redirect(url_for("auth.link"))


@bp.route("/account/link", methods=["GET", "POST"])
@public
def link():
    """Accept an invitation (a new account chooses its password), or choose a new password."""
    account_link = links.find_live(session.get("account_link"))
    if account_link is None or account_link.brand_id != g.brand.id:
        session.pop("account_link", None)
        return render_template("auth/link.html", link=None), 410
    invitation = account_link.purpose == LinkPurpose.INVITATION
    needs_password = not invitation or account_link.user.password_hash is None
    form = NewPasswordForm() if needs_password else EmptyForm()
    if request.form.get("action") == "decline" and invitation:
        if EmptyForm().validate_on_submit():
            links.decline_invitation(account_link)
            session.pop("account_link", None)
            flash(_("Invitation declined: nothing has changed."), "success")
            return redirect(url_for("auth.login"))
    elif form.validate_on_submit():
        password = form.password.data if needs_password else None
        try:
            if invitation:
                links.accept_invitation(account_link, password)
            else:
                links.choose_password(account_link, password)
        except links.LinkError as error:
            flash(str(error.message), "error")
            return redirect(url_for("auth.link"))
        session.pop("account_link", None)
        if invitation:
            message = _("Welcome to %(brand)s. Sign in to start.", brand=g.brand.name)
        else:
            message = _("Password changed. Sign in with your new password.")
        return _signed_out_to_login(message)
    if needs_password:
        form.password.data = form.confirmation.data = ""
    return render_template(
        "auth/link.html", link=account_link, form=form, needs_password=needs_password
    ), (422 if form.errors else 200)


@bp.route("/account/invitations", methods=["GET", "POST"])
@signed_in
def invitations():
    """A signed-in person's invitations to other brands, to accept or decline."""
    pending = links.pending_invitations(current_user)
    if EmptyForm().validate_on_submit():
        chosen_id = parse_id(request.form.get("invitation"))
        chosen = next((link for link in pending if link.id == chosen_id), None)
        if chosen is None:
            flash(_("This invitation is no longer valid."), "error")
        elif request.form.get("action") == "accept":
            links.accept_invitation(chosen)
            flash(_("You joined %(brand)s.", brand=chosen.brand.name), "success")
        else:
            links.decline_invitation(chosen)
            flash(_("Invitation declined: nothing has changed."), "success")
        return redirect(url_for("auth.invitations"))
    return render_template("auth/invitations.html", invitations=pending)


@bp.get("/logo.png")
@public  # the sign-in page shows it
def logo():
    if not g.brand.logo_name:
        abort(404)
    return send_file(logo_dir() / g.brand.logo_name, mimetype="image/png", max_age=3600)
