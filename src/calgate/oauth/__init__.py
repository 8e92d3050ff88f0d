"""calgate's OAuth 2.0 authorization server (Cal.com-compatible), built on Authlib.

- ``scopes``: Cal.com's scope names and their descriptions.
- ``service``: storage rules (clients, codes, tokens) and the API other code calls:
  ``ensure_client``, ``create_client``, ``issue_tokens``, ``principal_for_access_token``.
- ``server``: Authlib ``AuthorizationServer`` subclass, run synchronously in a worker thread.
- ``runtime``: the sync engine and login throttle the HTTP side keeps, built by calgate.app.
- ``params``: reading and bounding request parameters and bodies.
- ``pages``, ``authorize``, ``login``: the browser pages (sign-in, consent).
- ``endpoints`` (+ ``docs``): the token and revocation endpoints.
- ``routes``: the router mounting all of it.
"""
