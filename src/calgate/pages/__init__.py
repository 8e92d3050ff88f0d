"""Public booking pages: the `bookingUrl` of every event type, served by calgate itself.

Server-rendered HTML that works without JavaScript (plain links and form posts); one small
stylesheet and one small script from the package's static files, nothing from a CDN. Pages call
the services the API calls, never the API over HTTP and never the database directly.
"""
