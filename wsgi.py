"""WSGI entry point for gunicorn and `flask --app wsgi`."""
import gc

from bot.bootstrap import create_app

app = create_app()
# What the app built at start (modules, SQLAlchemy's mappers and compiled statements, phone metadata: most of the
# heap) lives as long as the process: moved out of the collector's reach, so its full collections, which a busy
# webhook path triggers every few hundred messages, walk only what requests leave behind.
gc.collect()
gc.freeze()
