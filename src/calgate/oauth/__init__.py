"""calgate's OAuth 2.0 authorization server (Cal.com-compatible), built on Authlib.

- ``scopes``: Cal.com's scope names and their descriptions.
- ``service``: storage rules (clients, codes, tokens) and the API other code calls:
  ``ensure_client``, ``create_client``, ``issue_tokens``, ``principal_for_access_token``.
- ``server``: Authlib ``AuthorizationServer`` subclass, run synchronously in a worker thread.
- ``web``: FastAPI routers (authorize/login/consent pages, token and revocation endpoints).
"""
