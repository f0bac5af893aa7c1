"""Operator commands: `flask --app wsgi init-db | provider add | provider set-plan | chat --as +E164 | worker`."""
from __future__ import annotations

import dataclasses
import sys
import uuid

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from bot.conversation.handler import ConversationHandler
from bot.core import phones, timezones
from bot.dialogue.context import Inbound
from bot.services import plans
from bot.services.deps import Services
from bot.worker.sender import OutboxSender
from bot.worker.tasks import TaskQueue, make_huey
from integrations.twilio.messenger import ConsoleMessenger
from store import migrate, repos
from store.db import unit_of_work


def _services() -> Services:
    return current_app.extensions["services"]


def _phone(value: str) -> str:
    phone = phones.e164(value)
    if phone is None:
        raise click.BadParameter(f"{value!r} is not an international number like +919940790402")
    return phone


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the database schema (safe to run again)."""
        services = _services()
        migrate.upgrade(services.engine)
        click.echo(f"database ready at revision {migrate.current_revision(services.engine)}")

    provider = AppGroup("provider", help="Manage providers.")  # its commands run inside the app context
    app.cli.add_command(provider)

    @provider.command("add")
    @click.option("--phone", required=True, help="WhatsApp number, +E164")
    @click.option("--name", required=True)
    @click.option("--plan", type=click.Choice(plans.PLANS), default="trial", show_default=True)
    @click.option("--timezone", "zone", default=None, help="IANA zone; guessed from the number if left out")
    def provider_add(phone: str, name: str, plan: str, zone: str | None) -> None:
        """Register a provider (what chat sign-up does, for operators)."""
        services, number = _services(), _phone(phone)
        if zone is None:
            zone = (timezones.guess_for_phone(number) or ["UTC"])[0]
        else:  # store the zone name it stands for ('london' -> 'Europe/London'), never the typed text
            typed, zone = zone, timezones.lookup(zone)
            if zone is None:
                raise click.BadParameter(f"unknown time zone {typed!r}", param_hint="--timezone")
        now = services.clock()
        with unit_of_work(services.sessions) as session:
            if repos.provider_by_phone(session, number):
                raise click.ClickException(f"{phones.mask(number)} is already a provider")
            contact = repos.get_or_create_contact(session, number, now)
            contact.country = contact.country or phones.country_of(number)
            created = repos.create_provider(session, contact, name=name.strip(), timezone=zone, now=now,
                                            trial_days=services.config.trial_days, plan=plan)
            click.echo(f"provider {created.display_name} added: plan {plan}, time zone {zone}, "
                       f"booking code {created.booking_code}")

    @provider.command("set-plan")
    @click.option("--phone", required=True)
    @click.option("--plan", type=click.Choice(plans.PLANS), required=True)
    def provider_set_plan(phone: str, plan: str) -> None:
        """Change a provider's plan (trial | pro | free)."""
        services, number = _services(), _phone(phone)
        with unit_of_work(services.sessions) as session:
            found = repos.provider_by_phone(session, number)
            if found is None:
                raise click.ClickException(f"no provider with number {phones.mask(number)}")
            found.plan = plan
        click.echo(f"plan set to {plan}")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="worker threads")
    def worker(workers: int) -> None:
        """Run the background worker: the outbox sender (WhatsApp messages to Twilio), Zoom meetings with retries,
        booking emails, and the sweep every minute."""
        services = _services()
        huey = services.queue.huey
        if huey.immediate:
            raise click.ClickException("TASK_QUEUE_URL=immediate runs tasks inline: there is nothing for a worker")
        config = services.config
        sender = OutboxSender(services, threads=config.sender_threads, poll_interval=config.sender_poll_seconds,
                              max_rate=config.sender_max_rate)
        cap = f", at most {sender.max_rate:g} messages/s" if sender.max_rate else ""
        click.echo(f"worker: {workers} thread(s) on {type(huey).__name__}; outbox sender: {sender.threads} "
                   f"thread(s), polling every {sender.poll_interval:g} s{cap}")
        sender.start()
        try:
            huey.create_consumer(workers=workers, worker_type="thread", periodic=True, initial_delay=0.1,
                                 max_delay=2.0, check_worker_health=True).run()
        finally:
            sender.stop()

    @app.cli.command("chat")
    @click.option("--as", "as_phone", required=True, help="the WhatsApp number you are playing, +E164")
    def chat(as_phone: str) -> None:
        """Talk to the bot in the terminal: same handler and database, replies printed instead of sent."""
        number = _phone(as_phone)
        # A copy of the app's services that prints instead of sending; the app's own keep using Twilio.
        # Background work (Zoom meetings, emails) runs inline too, so the whole journey shows in this terminal.
        services = dataclasses.replace(_services(), messenger=ConsoleMessenger(stream=sys.stdout),
                                       inline_delivery=True)
        services.queue = TaskQueue(make_huey("immediate"), services)
        handler = ConversationHandler(services)
        click.echo(f"Chatting as {number}. Type a message; Ctrl-D to quit.")
        interactive = sys.stdin.isatty()
        while True:
            if interactive:
                click.echo("you> ", nl=False)
            line = sys.stdin.readline()
            if not line:
                break
            handler.handle(Inbound(message_sid=f"CLI{uuid.uuid4().hex}", phone=number, text=line.rstrip("\n"),
                                   received_at=services.clock()))
