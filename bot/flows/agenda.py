"""A provider's day view: "today", "tomorrow" or "this week" lists their sessions by occurrence (a group class is
one line with everyone booked into it), each person's WhatsApp number, and where it happens. Answered from any
state; the person stays where they were."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from transitions import EventData

from bot.core import messages as msg
from bot.core import slots
from bot.flows.common import dialogue
from bot.services import agenda

SPANS = {"today": (0, 1, msg.AGENDA_TODAY), "tomorrow": (1, 1, msg.AGENDA_TOMORROW), "week": (0, 7, msg.AGENDA_WEEK)}


def explain_providers_only(event: EventData) -> None:
    dialogue(event).say(msg.AGENDA_PROVIDERS_ONLY)


def show(event: EventData) -> None:
    d = dialogue(event)
    zone = d.provider.timezone
    offset, days, header = SPANS.get((d.arg or "today").removeprefix("this "), SPANS["today"])
    first = d.now.astimezone(ZoneInfo(zone)).date() + timedelta(days=offset)
    start, end = agenda.days_from(first, days, zone)
    found = agenda.occurrences(d.session, d.provider.id, start, end, d.words)
    if not found:
        d.say(msg.AGENDA_NOTHING, span=header.format(day=slots.format_day(start, zone), timezone=zone))
        return
    lines = [header.format(day=slots.format_day(start, zone), timezone=zone)]
    shown_day = None
    for item in found:
        day = slots.format_day(item.start, zone)
        if days > 1 and day != shown_day:
            lines.append(msg.AGENDA_DAY.format(day=day))
            shown_day = day
        people = ", ".join(msg.AGENDA_PERSON.format(name=a.name, phone=a.phone) for a in item.attendees)
        clock = f"{item.start.astimezone(ZoneInfo(zone)):%H:%M}"
        if item.capacity > 1:
            lines.append(msg.AGENDA_GROUP_LINE.format(time=clock, session=item.session, taken=len(item.attendees),
                                                      capacity=item.capacity, people=people, where=item.where))
        else:
            lines.append(msg.AGENDA_LINE.format(time=clock, session=item.session, people=people, where=item.where))
    d.say("\n".join(lines))
