"""The one place pages and htmx fragments are rendered.

Every fragment htmx swaps is a named block: of the page's own template (`render_page`, which
renders the whole page for a plain request), or of a small `_name.html` partial whose blocks
call the macros the page imports (`render_fragment`). Never a second copy of the markup.

What else on the page shows a value a change touched goes with the fragment, out of band: more
blocks of the page (`oob_blocks`), each rendered with `oob=True` so that it marks itself
`hx-swap-oob` (clients/record.html's `record_header`); `with_oob` adds them to a fragment of
a partial.
"""

from flask import render_template, request, session
from jinja2_fragments.flask import render_block


def render_page(template: str, block: str, status: int = 200, oob_blocks=(), **context):
    """The whole page, or only `block` of the same template for an htmx request (and its
    `oob_blocks`, out of band)."""
    if request.htmx and not request.htmx.boosted:
        body, status = render_fragment(template, block, status, **context)
        return with_oob(body, template, oob_blocks, **context), status
    return render_template(template, **context), status


def with_oob(body: str, template: str, blocks, **context) -> str:
    """`body` followed by `blocks` of `template`, rendered to be swapped out of band."""
    return body + "".join(render_block(template, name, **context, oob=True) for name in blocks)


def render_fragment(template: str, block: str, status: int = 200, **context):
    """Only `block` of `template`: what an htmx request swaps in."""
    return render_block(template, block, **context), status


def flashes_out_of_band(response):
    """An after_request hook: flash messages an htmx fragment did not show itself go with it,
    out of band into the page's flash area (base.html), so that a message belongs to the
    response that caused it and never turns up again on the next page or tab."""
    if (
        not request.htmx
        or request.htmx.boosted
        or response.is_streamed
        or response.mimetype != "text/html"
        or not session.get("_flashes")
    ):
        return response
    area = render_template("_flashes.html", oob=True)  # pops the messages from the session
    response.set_data(response.get_data(as_text=True) + area)
    return response
