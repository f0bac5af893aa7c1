"""Everything that talks to another service: messaging (Twilio), mail (SMTP), video (Zoom)."""
