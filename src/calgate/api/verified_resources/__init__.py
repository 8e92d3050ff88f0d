"""Verified emails and phones (/v2/verified-resources)."""
