"""WSGI entry point for gunicorn and `flask --app wsgi`."""
from bot.bootstrap import create_app

app = create_app()
