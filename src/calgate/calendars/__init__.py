"""Connected calendars: reading busy time from ICS feeds and CalDAV servers, and writing
bookings back. Speaks to calendar servers only through the SSRF-guarded client of `net`."""
