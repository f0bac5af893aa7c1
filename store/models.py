"""Typed SQLAlchemy 2.0 models. Times are timezone-aware UTC; phone numbers are E.164 ("+919940790402")."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Contact(Base):
    """Anyone who has written to the bot, provider or customer."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]
    opted_out_at: Mapped[datetime | None]  # sent STOP: only replies to their own messages go out until START

    provider: Mapped["Provider | None"] = relationship(back_populates="contact", uselist=False)


class Provider(Base):
    """A coach, tutor or consultant who sells sessions. Plans: trial (14 days), pro, free (after the trial)."""

    __tablename__ = "providers"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    plan: Mapped[str] = mapped_column(String(10), default="trial")
    trial_ends_at: Mapped[datetime | None]
    booking_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime]
    # Reminders before each booking (bot/services/reminders.py): "24h1h" (24 hours and 1 hour before), "1h", "off".
    remind_customers: Mapped[str] = mapped_column(String(8), default="24h1h", server_default="24h1h")
    remind_self: Mapped[str] = mapped_column(String(8), default="1h", server_default="1h")

    contact: Mapped[Contact] = relationship(back_populates="provider")


class Conversation(Base):
    """Where a WhatsApp number stands in the dialogue: the machine's state and a small context."""

    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(40))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class InboundMessage(Base):
    """Every message Twilio delivered; the unique MessageSid makes Twilio's retries harmless."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]


class OutboundMessage(Base):
    """The outbox: a reply is written here in the conversation's transaction and sent after commit.

    status: pending (not yet accepted by Twilio; retried at next_attempt_at) -> claimed (a sender is calling Twilio
    until claimed_until) -> queued/sent/delivered/read (Twilio's) or failed/undelivered; not_sendable when the
    24-hour window is closed and no approved template is configured; opted_out after STOP.
    A message naming personal data of a connected account (its email) is `sealed`: its body is Fernet-encrypted like
    the connection, decrypted only to send it, and deleted with the connection.
    """

    __tablename__ = "outbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    to: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # (the partial indexes below)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    via_template: Mapped[bool] = mapped_column(default=False)
    reply: Mapped[bool] = mapped_column(default=False)  # an answer to the recipient's own message
    sealed: Mapped[bool] = mapped_column(default=False)  # body encrypted: it names a connected account's email
    media_url: Mapped[str | None] = mapped_column(String(500))  # an image sent with the body (its caption)
    # Outside the 24-hour window this message goes as its own approved template with these variables (a reminder)
    # rather than as the generic fallback template.
    template_sid: Mapped[str | None] = mapped_column(String(64))
    template_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Inside the 24-hour window the message goes as WhatsApp buttons or a list (integrations/twilio/content.py, as
    # JSON text; encrypted like the body when sealed), `body` being the same choices as numbered text.
    rich: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]  # pending: not before this (backoff after Twilio was unavailable)
    claimed_until: Mapped[datetime | None]  # claimed: the sender's lease; after it, the claim is presumed dead
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __table_args__ = (
        # What the senders scan: the few messages not yet handed to Twilio, per recipient in order.
        Index("ix_outbound_active", "to", "id", postgresql_where=text("status IN ('pending', 'claimed')"),
              sqlite_where=text("status IN ('pending', 'claimed')")),
    )


class ContentTemplate(Base):
    """A Content API resource the bot created for one shape of rich message (a list of 7 rows with descriptions,
    two reply buttons...), keyed by a hash of its definition: created on first use, then reused by every message
    of that shape."""

    __tablename__ = "content_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    sid: Mapped[str] = mapped_column(String(64))
    friendly_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class SupportTicket(Base):
    """A request for a person; emailed to support, kept and retried while SMTP is down."""

    __tablename__ = "support_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    plan: Mapped[str | None] = mapped_column(String(10))
    transcript: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]  # when a worker took it for sending (stale claims are retried)

    @property
    def number(self) -> str:
        return f"MNS-{self.id:06d}"


class VideoConnection(Base):
    """A provider's connected video account (Zoom today). Tokens and email are encrypted at rest; the row is deleted
    (not flagged) on disconnect or when the provider removes the app from Zoom."""

    __tablename__ = "video_connections"
    __table_args__ = (UniqueConstraint("provider_id", "platform"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_user_id: Mapped[str] = mapped_column(String(64), index=True)
    external_account_id: Mapped[str] = mapped_column(String(64))
    email_enc: Mapped[str] = mapped_column(Text)
    access_token_enc: Mapped[str] = mapped_column(Text)
    refresh_token_enc: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime]
    scope: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(10), default="connected")  # connected | broken
    connected_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BusyTimes(Base):
    """A provider's busy times as one calendar platform last reported them (bot.services.calendars): the slots
    shown while answering a message read them from here, the worker refreshes them. The periods are encrypted
    like the connection they come from and deleted with it. `tried_at`: the last refresh started (one at a time,
    and not again within seconds of a failed one); `watched_until`: customers are looking at this provider's
    times, so the sweep keeps the row fresh until then."""

    __tablename__ = "busy_times"
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    periods_enc: Mapped[str | None] = mapped_column(Text)  # JSON [[start, end], ...] (ISO, UTC), encrypted
    fetched_at: Mapped[datetime | None]  # when the platform last answered (the periods are of that moment)
    tried_at: Mapped[datetime]
    watched_until: Mapped[datetime | None] = mapped_column(index=True)


class ConnectLink(Base):
    """The short link the bot sends in chat (single use, 10 minutes, bound to one provider) and, once opened, the
    OAuth `state` and PKCE verifier of that authorization. Only hashes of the link token and state are stored."""

    __tablename__ = "connect_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_verifier_enc: Mapped[str | None] = mapped_column(Text)
    state_expires_at: Mapped[datetime | None]
    browser_hash: Mapped[str | None] = mapped_column(String(64))  # the browser that opened the link (cookie)
    completed_at: Mapped[datetime | None]


class Offering(Base):
    """A session a provider sells (called a "session" in chat): 1:1 or group, online (Zoom / Google Meet) or in
    person, with a weekly availability in the provider's time zone."""

    __tablename__ = "offerings"
    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),
                      CheckConstraint("duration_minutes > 0", name="duration_positive"))
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # one_to_one | group
    mode: Mapped[str] = mapped_column(String(10))  # online | in_person
    platform: Mapped[str | None] = mapped_column(String(20))  # zoom | google_meet (online only)
    meet_url: Mapped[str | None] = mapped_column(String(255))  # the provider's own Google Meet link
    address: Mapped[str | None] = mapped_column(String(255))  # in person only
    duration_minutes: Mapped[int]
    price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    capacity: Mapped[int] = mapped_column(default=1)
    min_notice_minutes: Mapped[int] = mapped_column(default=0)
    availability: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | paused | archived (deleted)
    description: Mapped[str | None] = mapped_column(String(500))  # shown to customers when they pick it
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    provider: Mapped[Provider] = relationship()


class Booking(Base):
    """A customer's place in an occurrence (offering + start time). The partial unique index on
    (offering, start, seat) over confirmed bookings is what makes double booking and overbooking impossible, in
    the database, whatever the number of processes racing for the last place."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("uq_booking_seat", "offering_id", "start_at", "seat", unique=True,
              sqlite_where=text("status = 'confirmed'"), postgresql_where=text("status = 'confirmed'")),
        # What the reminder sweep scans: confirmed bookings by start time.
        Index("ix_bookings_confirmed_start", "start_at", sqlite_where=text("status = 'confirmed'"),
              postgresql_where=text("status = 'confirmed'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    seat: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="confirmed")  # confirmed | cancelled
    customer_name: Mapped[str] = mapped_column(String(80))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_timezone: Mapped[str] = mapped_column(String(64))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    link_sent_at: Mapped[datetime | None]  # the join link (or address) went to the customer in chat
    email_status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | none
    email_sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE of the last invitation
    invited: Mapped[bool] = mapped_column(default=False)  # a confirmation (REQUEST) email went out
    # the last invitation went without the meeting link (it waited for a reconnect): an update follows with it
    email_link_pending: Mapped[bool] = mapped_column(default=False)
    email_claimed_at: Mapped[datetime | None]  # when a worker took the pending email (stale claims are retried)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(10))
    attending_at: Mapped[datetime | None]  # the customer answered "I'll be there" (to a reminder)
    # (updated_at is when the booking got its current start time: booked, or moved; reminders due before it are
    # not sent.)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))  # why, as the one who cancelled said it

    offering: Mapped[Offering] = relationship()
    customer: Mapped[Contact] = relationship()
    meeting: Mapped["Meeting | None"] = relationship()


class Meeting(Base):
    """The video meeting of one occurrence (offering + start): one per 1:1 booking, shared by a group's attendees.
    Unique per occurrence, so retries and parallel workers can never create a second one for the same slot.

    status: pending (to create) | ready | waiting (Zoom not connected or broken: waits for the provider to
    reconnect) | failed (Zoom refused it for good) | deleting (to delete at Zoom) | deleted."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("offering_id", "start_at", "generation"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime]
    generation: Mapped[int] = mapped_column(default=0)  # bumps when an occurrence's meeting is deleted and redone
    platform: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    join_url: Mapped[str | None] = mapped_column(String(1024))
    password: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))
    needs_update: Mapped[bool] = mapped_column(default=False)
    claimed_at: Mapped[datetime | None]  # a worker is talking to the platform about this meeting since then
    version: Mapped[int] = mapped_column(default=0)  # bumped by cancel/reschedule; a worker's result for an
    # older version is not taken as the last word (see bot.meetings)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Reminder(Base):
    """One reminder of one booking for one start time, once it fell due: unique on (start, booking, kind), so that
    several workers, restarts and retries send it once; a moved booking has a new start and so new reminders.
    kind: customer_24h | customer_1h | provider_24h | provider_1h. status: queued (in the outbox: message_id),
    opted_out (the customer sent STOP), off (the provider's settings), late (the booking was made or moved after
    it was due), missed (a 24-hour reminder found only when the 1-hour one was due: no worker ran meanwhile)."""

    __tablename__ = "reminders"
    # Led by the start: the sweep reads the reminders of the starts in its window by range (and it is unique).
    __table_args__ = (UniqueConstraint("start_at", "booking_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


__all__ = ["Base", "Reminder", "Contact", "Provider", "Conversation", "InboundMessage", "OutboundMessage",
           "SupportTicket",
           "VideoConnection", "BusyTimes", "ConnectLink",
           "Offering", "Booking", "Meeting"]
