"""WSGI entry point for gunicorn and `flask --app wsgi`."""
from bot.app import create_app

app = create_app()
