"""What the browser tests ask of a page's layout, in one place."""


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing off screen). Measured once
    the page and its stylesheets have loaded: a busy machine can show the heading earlier."""
    page.wait_for_load_state("load")
    return page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - document.documentElement.clientWidth"
    )
