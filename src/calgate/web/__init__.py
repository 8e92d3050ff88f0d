"""Request-level plumbing shared by the HTTP packages (api/, oauth/, gateway/).

The runtime object the composition root (`calgate.app`) builds, the dependencies that hand it
to a request, how a caller's credentials become a principal, the request-body guard and the
rate limits. It imports only config, store, security and errors: the packages above it plug in
what they own (credential checks, scope tables) through the runtime, so none of them has to
import another.
"""
