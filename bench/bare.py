"""The yardstick of the load benchmark: a bare Flask endpoint that answers a webhook with fixed TwiML, served by
gunicorn with the bot's own settings (gunicorn.conf.py)."""
from flask import Flask, Response

app = Flask(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@app.post("/webhooks/twilio/whatsapp")
def whatsapp() -> Response:
    return Response(TWIML, mimetype="text/xml")
