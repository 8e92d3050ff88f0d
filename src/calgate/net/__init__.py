"""Outbound HTTP: the one SSRF guard every call leaving calgate goes through."""
