"""Rendering a page or, for htmx, one block of the same template."""

from flask import render_template, request
from jinja2_fragments.flask import render_block


def render_page(template: str, block: str, status: int = 200, **context):
    """The whole page, or only `block` of the same template for an htmx request."""
    if request.htmx and not request.htmx.boosted:
        return render_block(template, block, **context), status
    return render_template(template, **context), status
