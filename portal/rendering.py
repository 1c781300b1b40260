"""The one place pages and htmx fragments are rendered.

Every fragment htmx swaps is a named block: of the page's own template (`render_page`, which
renders the whole page for a plain request), or of a small `_name.html` partial whose blocks
call the macros the page imports (`render_fragment`). Never a second copy of the markup.
"""

from flask import render_template, request
from jinja2_fragments.flask import render_block


def render_page(template: str, block: str, status: int = 200, **context):
    """The whole page, or only `block` of the same template for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return render_fragment(template, block, status, **context)
    return render_template(template, **context), status


def render_fragment(template: str, block: str, status: int = 200, **context):
    """Only `block` of `template`: what an htmx request swaps in."""
    return render_block(template, block, **context), status
