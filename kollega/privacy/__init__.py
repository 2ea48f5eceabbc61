"""Privacy: the person's own data export (GDPR art. 15 and 20) and the privacy page."""
