"""Connected calendars: reading busy time from ICS feeds and CalDAV servers, and writing
bookings back. Speaks to calendar servers only through the SSRF-guarded client of `net`.
`booking_event` (no I/O) is a booking as a calendar event: its .ics and add-to-calendar links."""
