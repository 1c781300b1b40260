"""The brand's overview at /<brand_slug>/, where staff land after signing in."""

from __future__ import annotations

from babel.dates import format_skeleton
from flask import g, render_template
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _

from portal.dashboard import bp, figures
from portal.dashboard.charts import bar_chart
from portal.models import ClientStatus, PaymentStatus, utcnow
from portal.permissions import permission_required


@bp.get("/")
@permission_required("clients.view")
def index():
    today = utcnow().date()
    overview = figures.overview(g.brand.id, today)
    return render_template(
        "dashboard/index.html",
        overview=overview,
        added_chart=_added_chart(overview),
        moved_chart=_moved_chart(overview),
        cap=figures.ACTION_CAP,
        statuses=list(ClientStatus),
        payments=list(PaymentStatus),
    )


def _date(day, skeleton: str) -> str:
    """A date as the reader's language writes it, with the parts `skeleton` names."""
    return format_skeleton(skeleton, day, locale=get_locale())


def _added_chart(overview):
    months = len(overview.added)
    return bar_chart(
        "added",
        _("Clients added per month"),
        ngettext(
            "Clients created in the brand in each of the last %(num)d month, from %(first)s "
            "to %(last)s.",
            "Clients created in the brand in each of the last %(num)d months, from %(first)s "
            "to %(last)s.",
            months,
            first=_date(overview.added[0][0], "yMMMM"),
            last=_date(overview.added[-1][0], "yMMMM"),
        ),
        [_("Clients added")],
        [(_date(month, "yMMM"), [n]) for month, n in overview.added],
        format_number,
    )


def _moved_chart(overview):
    weeks = len(overview.moved)
    return bar_chart(
        "moved",
        _("Migrations in and out"),
        ngettext(
            "Clients moved into the brand (solid bars) and out of it (hatched bars) in each of "
            "the last %(num)d week; each week is named by its Monday, from %(first)s.",
            "Clients moved into the brand (solid bars) and out of it (hatched bars) in each of "
            "the last %(num)d weeks; each week is named by its Monday, from %(first)s.",
            weeks,
            first=_date(overview.moved[0][0], "yMMMd"),
        ),
        [_("Moved in"), _("Moved out")],
        [
            (_date(monday, "MMMd"), [moved_in, moved_out])
            for monday, moved_in, moved_out in overview.moved
        ],
        format_number,
    )
