"""Request-level pieces shared by api/, oauth/ and gateway/: body guard, rate limits."""
