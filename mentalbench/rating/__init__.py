"""Human rating: a local web page where raters score answers or vote on pairs, blind."""
