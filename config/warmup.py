"""What a server process loads before it serves, so that no request pays for it: every
page's code and the URL reverse indexes. gunicorn's master runs it before it freezes the
loaded app and forks (config/gunicorn.conf.py); the benches run it too, so that they freeze
what production freezes (frozen before it, the objects a first request creates stay in the
collector's oldest generation, and each full collection walks them: 36 ms every 25 requests
or so, against 11 ms)."""


def load_every_page() -> None:
    """Import every view, form and table (the URLconf imports them), and build the reverse
    indexes of the root and of each namespace ("tracker:", "admin:"...), which a process
    otherwise builds at its first reverse() (about 50 ms of CPU each). Opens no database
    connection."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    resolvers = [("", get_resolver())]
    while resolvers:
        namespace, resolver = resolvers.pop()
        for name in [key for key in resolver.reverse_dict if isinstance(key, str)][:1]:
            try:
                reverse(namespace + name)
            except NoReverseMatch:  # it takes arguments: the index is built all the same
                pass
        resolvers.extend(
            (f"{namespace}{ns}:", sub) for ns, (_, sub) in resolver.namespace_dict.items()
        )
