"""A brand's outbox: the emails sent, waiting and failed, and sending one again."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.forms import EmptyForm
from portal.models import OutboxEmail
from portal.outbox import bp, emails
from portal.permissions import permission_required
from portal.tenancy import get_or_404, scoped


@bp.get("/outbox")
@permission_required("outbox.view")
def index():
    status = request.args.get("status")
    query = scoped(OutboxEmail)
    if status in OutboxEmail.STATUS_LABELS:
        query = query.where(OutboxEmail.status == status)
    shown = db.session.scalars(query.order_by(OutboxEmail.id.desc()).limit(200)).all()
    return render_template(
        "outbox/index.html",
        emails=shown,
        status=status,
        statuses=OutboxEmail.STATUS_LABELS,
        configured=emails.mail_configured(),
    )


@bp.get("/outbox/<int:email_id>")
@permission_required("outbox.view")
def email(email_id: int):
    email = get_or_404(OutboxEmail, email_id)
    # A link email is shown without its link: whoever opens the link becomes that person.
    body = emails.shown_body(email, _("[a personal link that only the recipient has]"))
    return render_template("outbox/email.html", email=email, body=body)


@bp.post("/outbox/<int:email_id>/retry")
@permission_required("outbox.view")
def retry(email_id: int):
    email = get_or_404(OutboxEmail, email_id)
    if EmptyForm().validate_on_submit():
        if not emails.mail_configured():
            flash(_("No mail server is configured: the email stays in the outbox."), "error")
        elif emails.send_again(email):
            # Sent once this request commits, before the page below is shown.
            flash(_("Sending the email again: its status is below."), "success")
    return redirect(url_for("outbox.email", email_id=email.id))
