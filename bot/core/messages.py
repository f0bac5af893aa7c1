"""Every text a user sees, as named templates (str.format placeholders). Flows and tests refer to these names;
nobody retypes prose. WhatsApp formatting: *bold*, _italic_."""
from __future__ import annotations

# --- menus ---------------------------------------------------------------------------------------------------
WELCOME = "👋 Hi{name_part}! I'm the MyNextSlot assistant."
CUSTOMER_MENU = "What would you like to do?\n{options}\n\nReply with a number or a word. *help* any time."
PROVIDER_MENU = "Hi {name}, your provider menu:\n{options}\n\nReply with a number or a word. *help* any time."
OPTION_LINE = "{number}. {label}"
YOU_ARE_WELCOME = "You're welcome! 😊 Send *menu* whenever you need me."
YOU_ARE_WELCOME_MID_STEP = "You're welcome! 😊 When you're ready, answer the question above, or send *menu*."
# rich messages (WhatsApp lists and buttons: bot/core/choices.py)
LIST_BUTTON = "Choose"
LIST_MORE = "More…"
LIST_BACK = "Back"
LIST_MORE_DESCRIPTION = "{first} to {last} of {count}"
CONNECT_BUTTON = "Connect {platform}"  # a link button's title: at most 20 characters, else the next one that fits
JOIN_BUTTONS = ("Join {platform} meeting", "Join {platform}", "Join the meeting")
STALE_CHOICE = "That choice is from an earlier message, and things have moved on since. Here is what you can choose now:"
STALE_CHOICE_NO_LIST = ("That choice is from an earlier message, and things have moved on since. Please answer the "
                        "last question, or send *menu* for the menu.")
NOT_UNDERSTOOD = "Sorry, I didn't get “{text}”. Here are your options:"
NOT_UNDERSTOOD_TEXT_STATE = "Sorry, I couldn't use that. {hint}"
CANCELLED = "OK, cancelled. Nothing was changed."
OPTED_OUT = ("OK, you won't get any more messages from MyNextSlot, except answers when you write to us. Your bookings "
             "stay as they are. Send *START* to get messages again.")
OPTED_IN = "Welcome back: messages are on again."
NOTHING_TO_GO_BACK_TO = "You're at the start already."
MENU_HINT = "Send *menu* for the menu."
GLOBAL_HINT = "Send *menu* for the menu, *cancel* to stop, *help* for help."
MENU_HINT = "Send *menu* to see the menu again, *help* for help."  # at a menu there is nothing to stop
INTERNAL_ERROR = ("Sorry, something went wrong on our side and nothing was changed. Please try again in a "
                  "moment, or send *help* to reach a person.")
EMPTY_MESSAGE = "I can only read text messages for now. " + GLOBAL_HINT
IDLE_RESET = "It's been a while, so I've started over."
JOURNEY_RESTARTED = "Sorry: the bot was updated while you were in the middle of that, so let's start it again."

# option labels
OPT_SIGNUP = "I'm a coach/tutor: sign up as a provider (14-day free trial)"
OPT_HELP = "Help and support"
OPT_MY_PLAN = "My plan"
OPT_HELP_PLAN = "I can't find the option to connect {platform}"
OPT_HELP_AUTH = "{platform} authorization fails or times out"
OPT_HELP_WRONG_ACCOUNT = "I connected the wrong {platform} account"
OPT_HELP_PERSON = "Talk to a person"
OPT_YES = "Yes"
OPT_USE = "Use {value}"
OPT_SKIP = "Skip"
OPT_NO_NOTICE = "No notice"

# --- provider sign-up ----------------------------------------------------------------------------------------
ALREADY_PROVIDER = "You're already registered as a provider, {name}."
SIGNUP_ASK_NAME = ("Great! Let's set you up as a provider.\nWhat name should customers see? "
                   "(your name or your business name)")
SIGNUP_BAD_NAME = "Please send a name between 2 and 80 characters (letters, not only numbers or symbols)."
SIGNUP_ASK_TIMEZONE = ("Thanks, {name}. Your number looks like it's from {country}, so I'd use the time zone "
                       "*{timezone}* (it's {local_time} there now).\nReply *1* or *yes* to confirm, or type your "
                       "city or time zone (for example _London_ or _America/New_York_).")
SIGNUP_ASK_TIMEZONE_UNKNOWN = ("Thanks, {name}. Which time zone do you work in? Type your city or time zone "
                               "(for example _London_, _Kolkata_ or _America/New_York_).")
SIGNUP_TIMEZONE_CHOICES = ("Your number's country has several time zones. Reply with a number, or type your city:"
                           "\n{options}")
SIGNUP_BAD_TIMEZONE = ("I couldn't find a time zone for “{text}”. Type a big city near you (for example _Mumbai_, "
                       "_Berlin_, _Chicago_) or a zone like _Europe/Paris_.")
SIGNUP_CONFIRM_TIMEZONE = "Did you mean *{timezone}* (it's {local_time} there now)? Reply *1* or *yes*, or type another city."
TIMEZONE_ASK_NEW = ("Your time zone is *{timezone}* (it's {local_time} there now). Type your city or time zone to "
                    "change it (for example _London_ or _America/New_York_), or *back* to keep it.")
TIMEZONE_PROVIDER_NOTE = ("Your weekly availability is read in your time zone, so it moves with it; bookings already "
                          "made keep their time.")
TIMEZONE_SAVED = "Done: your time zone is now *{timezone}* (it's {local_time} there now)."
SIGNUP_DONE = ("🎉 Welcome aboard, {name}! Your 14-day free trial has started and runs until {trial_end}. "
               "Time zone: {timezone}.")

# --- plans ---------------------------------------------------------------------------------------------------
PLAN_TRIAL = "You're on the *free trial* until {trial_end} ({days_left} days left). {platform} and all Pro features are included."
PLAN_TRIAL_ENDED = ("Your free trial ended on {trial_end}; you're on the *Free* plan now. {platform} integration needs "
                    "the *Pro* plan or an active trial.")
PLAN_PRO = "You're on the *Pro* plan: {platform} integration and WhatsApp notifications are included."
PLAN_FREE = "You're on the *Free* plan. {platform} integration needs the *Pro* plan or an active trial."
PLAN_UPGRADE = "To upgrade to Pro, write to {support_email} or send *help* → *Talk to a person*."

# --- help ----------------------------------------------------------------------------------------------------
HELP_MENU = "How can I help?\n{options}\n\nYou can also write to {support_email} or WhatsApp {support_whatsapp}."
HELP_PLAN = ("Connecting {platform} needs an active trial or the *Pro* plan.\n{plan_status}")
HELP_PLAN_NOT_PROVIDER = ("Connecting {platform} is for providers (coaches, tutors, consultants) on an active trial or "
                          "the Pro plan. Send *menu* and choose *sign up* to start a 14-day free trial.")
HELP_AUTH = ("If {platform}'s authorization fails or times out:\n• Authorization links work once and expire after 10 "
             "minutes: send *connect {command_word}* for a fresh link.\n• Open it in your browser, clear its cookies for "
             "{cookie_domain} if it keeps failing, and make sure pop-ups are not blocked.\n• Sign in to {platform} and press "
             "*Allow*.")
HELP_WRONG_ACCOUNT = ("Connected the wrong {platform} account? Send *disconnect {command_word}* and confirm, then send *connect "
                      "{command_word}* and sign in with the right {platform} account.")
HELP_MORE = "Anything else? Send *help* again, *menu* for the menu, or choose *Talk to a person*."
SUPPORT_ASK = ("Tell me in one message what went wrong (what you tried and what you saw). I'll pass it to our "
               "support team with your recent messages.")
SUPPORT_TOO_SHORT = ("Please describe the problem in a sentence (a few words at least), so our team can help: for "
                     "example _I didn't get the {platform} link for my booking on Friday_.")
OPT_HELP_BOOKINGS = "Cancel or change a booking"
OPT_HELP_LINK = "My meeting link didn't arrive"
HELP_BACK_TO_STEP = "Send *back* to return to where you were; what you had typed is kept."
HELP_PLAN_HOW_TO_CONNECT = "To connect it, send *connect {command_word}* (or *menu* → *Integrations: {platform}*)."
HELP_BOOKINGS = ("To cancel or reschedule, send *my bookings*, pick the booking by its number, then choose "
                 "*Reschedule* or *Cancel*. The other side is told, and your calendar invitation is updated by email.")
HELP_LINK = ("Meeting links arrive here and by email a minute or two after booking. If the provider's {platform} needs "
             "reconnecting, I tell you and send the link as soon as they do. *my bookings* shows every link that is "
             "ready. Still nothing after that? Choose *Talk to a person*.")
SUPPORT_CREATED = ("Thanks! Your ticket number is *{ticket}*. Our team ({support_email}) will get back to you, "
                   "usually within one working day.")
SUPPORT_EMAIL_SUBJECT = "[{ticket}] Support request from {role} {masked_phone}"
SUPPORT_EMAIL_BODY = """Ticket: {ticket}
From: {phone} ({name})
Role: {role}
Plan: {plan}
Created: {created}

Description:
{description}

Last messages (oldest first):
{transcript}
"""

# --- outbound outside the 24-hour window -------------------------------------------------------------------------
TEMPLATE_FALLBACK_VARIABLE = "{text}"

# --- video platform connection -----------------------------------------------------------------------------------
# Platform texts take {platform} (its name), {command_word} (what follows *connect*) and the platform's own texts
# ({cookie_domain}); see PlatformInfo.words.
OPT_INTEGRATIONS = "Integrations: {platform}"
OPT_CONNECT_PLATFORM = "Connect {platform} (or switch to another {platform} account)"
OPT_RECONNECT_PLATFORM = "Connect a different {platform} account"
OPT_DISCONNECT_PLATFORM = "Disconnect {platform}"
OPT_YES_DISCONNECT = "Yes, disconnect"
OPT_NO_KEEP = "No, keep it connected"
INTEGRATIONS_CONNECTED = "*{platform}*: Connected as {email}."
INTEGRATIONS_BROKEN = "*{platform}*: ⚠️ the connection to {email} stopped working. Connect {platform} again to fix it."
INTEGRATIONS_NOT_CONNECTED = ("*{platform}*: not connected. Connect it to create a {platform} meeting automatically for every "
                              "booking of your online sessions.")
INTEGRATIONS_MENU = "{status}\n{options}"
PLATFORM_LINK = ("Tap this link to connect your {platform} account (it works once, for 10 minutes):\n{link}\n\n{platform} will ask "
             "you to sign in and to allow MyNextSlot to create meetings for your bookings. We only read your {platform} "
             "email address (to show which account is connected) and create, update or delete meetings for your "
             "bookings; never your recordings, chats or contacts.")
PLATFORM_NEEDS_PLAN = ("Connecting {platform} needs an active trial or the *Pro* plan, and your account is on the Free plan. "
                   "To upgrade, write to {support_email} or send *help* → *Talk to a person*.")
PLATFORM_NOT_PROVIDER = HELP_PLAN_NOT_PROVIDER
PLATFORM_NOT_CONFIGURED = ("{platform} isn't available on this MyNextSlot server yet (the operator has not set it up). "
                       "Please contact {support_email}.")
PLATFORM_CONNECTED_CHAT = "✅ {platform} connected as {email}. New bookings of your online {platform} sessions will get a meeting link automatically."
PLATFORM_DECLINED = ("{platform} was not connected: the authorization was declined. Send *connect {command_word}* whenever you "
                 "want to try again.")
PLATFORM_AUTH_FAILED = ("{platform} didn't accept the authorization (it may have timed out). Send *connect {command_word}* for a "
                    "fresh link and try again; if it keeps failing, clear your browser's cookies for {cookie_domain}.")
PLATFORM_ALREADY_CONNECTED = "You're already connected as {email}."
PLATFORM_NOT_CONNECTED = "{platform} isn't connected, so there is nothing to disconnect. Send *connect {command_word}* to connect it."
PLATFORM_CONFIRM_DISCONNECT = ("Disconnect the {platform} account {email}?\n• Your {platform} tokens and email are deleted from "
                           "MyNextSlot right away.\n• Existing bookings keep their {platform} links (meetings already "
                           "created stay in {platform}).\n• New bookings of online sessions won't get a {platform} link until "
                           "you connect {platform} again or switch them to Google Meet.\n{options}")
PLATFORM_DISCONNECTED = ("{platform} is disconnected: your {platform} tokens and {platform} email address have been deleted from MyNextSlot. "
                     "Existing bookings keep their {platform} links; new bookings of online sessions will get no {platform} "
                     "link until you connect {platform} again (*connect {command_word}*) or switch the session to Google Meet.")
PLATFORM_KEPT = "OK, {platform} stays connected as {email}."
PLATFORM_BROKEN = ("⚠️ Your {platform} connection stopped working (access was revoked or expired), so new bookings "
               "can't get {platform} links. Reconnect with this link (it works once, for 10 minutes):\n{link}")
PLATFORM_REMOVED = ("MyNextSlot was removed from your {platform} account, so {platform} is now "
                              "disconnected: your {platform} tokens and email have been deleted from MyNextSlot. "
                              "Existing bookings keep their links; new bookings won't get {platform} links until "
                              "you send *connect {command_word}* again.")

# --- web pages after the browser part of connecting --------------------------------------------------------------
PAGE_TITLE = "MyNextSlot · {platform}"
PAGE_CONNECTED = "{platform} connected as {email}. You can go back to WhatsApp."
PAGE_LINK_UNKNOWN = "This link isn't valid. Send “connect {command_word}” to the MyNextSlot bot on WhatsApp for a new one."
PAGE_LINK_USED = ("This link has already been used. Send “connect {command_word}” to the MyNextSlot bot on WhatsApp for a "
                  "fresh one.")
PAGE_LINK_EXPIRED = ("This link has expired (links work for 10 minutes). Send “connect {command_word}” to the MyNextSlot bot "
                     "on WhatsApp for a fresh one.")
PAGE_LINK_PLAN = ("Connecting {platform} needs an active trial or the Pro plan. Send “help” to the MyNextSlot bot on "
                  "WhatsApp to upgrade.")
PAGE_DECLINED = ("{platform} was not connected because the authorization was declined. You can go back to "
                 "WhatsApp and send “connect {command_word}” to try again.")
PAGE_FAILED = ("{platform} didn't accept the authorization (it may have timed out). Go back to WhatsApp and send "
               "“connect {command_word}” for a fresh link.")
PAGE_OTHER_BROWSER = ("This page was opened in a different browser from the one that opened your MyNextSlot link, "
                      "so {platform} was not connected. Open the link from WhatsApp again in one browser (send "
                      "“connect {command_word}” for a fresh link).")
PAGE_LINK_PREVIEW = "Open this link in your browser to connect {platform} to MyNextSlot."

# --- sessions (provider) ----------------------------------------------------------------------------------------
OPT_CREATE_SESSION = "Create a session"
OPT_MY_SESSIONS = "My sessions"
OPT_MY_BOOKINGS = "My bookings"
OPT_SHARE_LINK = "Share my booking link"
OPT_KIND_ONE = "1:1 session"
OPT_KIND_GROUP = "Group session"
OPT_MODE_ONLINE = "Online"
OPT_MODE_IN_PERSON = "In person"
OPT_PLATFORM_MEETINGS = "{platform} (a meeting link is created automatically for each booking)"
OPT_PLATFORM_MEET = "Google Meet (your own Meet link)"
OPT_SEND_PLATFORM_LINK = "Send me a link to connect it now"
OPT_PLATFORM_DONE = "I've connected it: continue"
OPT_SAVE_SESSION = "Create the session"
OPT_START_OVER = "Start over"
OPT_PAUSE_RESUME = "Pause / resume bookings"
OPT_EDIT_NAME = "Change the name"
OPT_EDIT_PRICE = "Change the price"
OPT_EDIT_DURATION = "Change the duration"
OPT_EDIT_AVAILABILITY = "Change the availability"
OPT_EDIT_NOTICE = "Change the minimum notice"
OPT_EDIT_CAPACITY = "Change the capacity"
OPT_EDIT_DESCRIPTION = "Change the description"
OPT_DELETE_SESSION = "Delete the session"
OPT_YES_DELETE_SESSION = "Yes, delete it"
OPT_YES_CANCEL_AND_DELETE = "Yes, cancel those bookings and delete it"
OPT_NO_KEEP_SESSION = "No, keep it"

# --- booking (customer) and my bookings ---------------------------------------------------------------------------
OPT_BOOK = "Book a session (you'll need the provider's booking code)"
OPT_RESCHEDULE = "Reschedule this booking"
OPT_CANCEL_BOOKING = "Cancel this booking"
OPT_YES_CANCEL_BOOKING = "Yes, cancel it"
OPT_NO_KEEP_BOOKING = "No, keep it"
OPT_CONFIRM_BOOKING = "Confirm"

# --- meeting links (worker) --------------------------------------------------------------------------------------
WHERE_PLATFORM = "{platform}: {join_url} (passcode {passcode})"
WHERE_PLATFORM_PENDING = "{platform}: the link follows shortly"
WHERE_PLATFORM_WAITING = ("{platform}: the meeting link follows here and on WhatsApp as soon as the provider has "
                          "reconnected {platform}")
WHERE_MEET = "Google Meet: {url}"
WHERE_ADDRESS = "Address: {address}"
LINK_READY = ("🔗 Your {platform} link for *{session}* on {when}:\n{join_url}\nPasscode: {passcode}\n"
              "(booking {reference}; the same details are in your confirmation email)")
LINK_DELAYED = ("Your booking {reference} for *{session}* on {when} is confirmed. {platform} is slow to answer right now, "
                "so your meeting link will follow here and by email as soon as it's ready.")
LINK_WAITING_FOR_PROVIDER = ("Your booking {reference} for *{session}* on {when} is confirmed. The provider needs to "
                             "reconnect their {platform} account before the meeting link can be created; you'll get it "
                             "here and by email as soon as they do.")
LINK_FAILED = ("Your booking {reference} for *{session}* on {when} is confirmed, but {platform} refused to create the "
               "meeting. The provider has been told and will send you a link.")
PROVIDER_PLATFORM_NEEDED_FOR_BOOKING = ("A customer booked *{session}* on {when}, but {platform} isn't connected, so no meeting "
                                    "link could be created. Connect {platform} with this link (it works once, for 10 "
                                    "minutes) and the link will go to the customer automatically:\n{link}")
PROVIDER_MEETING_FAILED = ("{platform} refused to create the meeting for *{session}* on {when} after several tries. "
                           "Please send the customer a link yourself, or check your {platform} account.")
ICS_DESCRIPTION = "{where}\nBooking reference: {reference}\nBooked on MyNextSlot."
EMAIL_CONFIRMED_SUBJECT = "Booked: {session} with {provider}, {when}"
EMAIL_CONFIRMED_BODY = """Hi {name},

Your booking is confirmed.

Session: {session} with {provider}
When: {when} ({duration})
Price: {price}
{where}
Booking reference: {reference}

The invitation is attached: open it to add the session to your calendar.
To cancel or reschedule, message us on WhatsApp and send "my bookings".

MyNextSlot · {support_email}
"""
EMAIL_MOVED_SUBJECT = "Moved: {session} with {provider}, now {when}"
EMAIL_MOVED_BODY = """Hi {name},

Your booking {reference} has moved. The new time:

Session: {session} with {provider}
When: {when} ({duration})
Price: {price}
{where}

The updated invitation is attached: open it to update your calendar.
To cancel or reschedule again, message us on WhatsApp and send "my bookings".

MyNextSlot · {support_email}
"""
EMAIL_LINK_SUBJECT = "Link: {session} with {provider}, {when}"
EMAIL_LINK_BODY = """Hi {name},

The meeting link for your booking {reference} is ready.

Session: {session} with {provider}
When: {when} ({duration} minutes)
{where}

The updated invitation is attached: open it to add the link to your calendar.

MyNextSlot · {support_email}
"""
EMAIL_CANCELLED_SUBJECT = "Cancelled: {session} with {provider}, {when}"
EMAIL_CANCELLED_BODY = """Hi {name},

Your booking {reference} ({session} with {provider}, {when}) has been cancelled.

MyNextSlot · {support_email}
"""

# --- my bookings (customers and providers: list, detail, cancel, reschedule) -------------------------------------
MB_LIST_HEADER = "Your upcoming bookings:"
MB_LINE_AS_CUSTOMER = "{number}. *{session}* with {provider}\n   {when}\n   {where}"
MB_LINE_AS_PROVIDER = "{number}. *{session}* · {customer}\n   {when}\n   {where}"
MB_ROW_AS_CUSTOMER = "{when} · {provider}"
MB_ROW_AS_PROVIDER = "{when} · {customer}"
MB_LIST_MORE = "…and {count} more later on."
MB_LIST_FOOTER = "Reply with a booking's number to see it, reschedule or cancel it. *menu* for the menu."
MB_NONE = "You have no upcoming bookings."
MB_NONE_CUSTOMER_HINT = ("To book a session, send *book* followed by the provider's booking code (for example "
                         "_book ABC123_), or send *menu*.")
MB_NONE_PROVIDER_HINT = ("Share your booking link (send *share link*) so customers can book your sessions, or "
                         "send *menu*.")
MB_PICK_REJECTED = "Please reply with a number from 1 to {count} (or a booking reference from the list), or *menu*."
MB_WHERE_PLATFORM_PENDING = "{platform}: link being created (it's sent here as soon as it's ready)"
MB_WHERE_PLATFORM_WAITING = "{platform}: link being created once the provider reconnects {platform}"
MB_WHERE_PLATFORM_FAILED_YOURS = "{platform}: the meeting couldn't be created; please send the customer a link"
MB_WHERE_PLATFORM_WAITING_YOURS = "{platform}: link being created once you reconnect {platform}"
MB_WHERE_PLATFORM_FAILED = "{platform}: the meeting couldn't be created; the provider will send a link"
MB_PLATFORM_RECONNECT = ("⚠️ {platform} isn't connected (or stopped working), so your {platform} sessions can't get meeting links. "
                     "Send *connect {command_word}* to reconnect it.")
MB_DETAIL = "*{session}* · booking {reference}\n{who}\nWhen: {when} · {duration}\n{where}"
MB_DETAIL_WITH_PROVIDER = "With: {provider}"
MB_DETAIL_WITH_CUSTOMER = "Customer: {customer} ({email})"
MB_DETAIL_OPTIONS = "What would you like to do?\n{options}\n\n*back* for the list, *menu* for the menu."
MB_GONE = ("That booking is no longer upcoming (it may have been cancelled or moved). Send *my bookings* to see "
           "the current list.")
MB_CANT_CHANGE_STARTED = "This session has already started, so it can't be cancelled or rescheduled any more."
MB_WHICH_TO_CANCEL = "Which booking do you want to cancel? Reply with its number (1 to {count}), or *menu*."
MB_ASK_CANCEL_REASON = "Why are you cancelling? {other} will be told. (optional, or *skip*)"
MB_CONFIRM_CANCEL_REASON = "Your reason: “{reason}”"
MB_TELL_CANCEL_REASON = "Their reason: “{reason}”"
MB_CONFIRM_CANCEL = "Cancel *{session}* on {when} (booking {reference})? {other} will be told.\n{options}"
MB_CANCELLED = "❌ Booking {reference} (*{session}*, {when}) is cancelled. {other} has been told."
MB_TELL_PROVIDER_CANCELLED = ("❌ {customer} cancelled booking {reference}: *{session}* on {when}. The slot is free "
                              "to book again.")
MB_TELL_CUSTOMER_CANCELLED = ("❌ {provider} cancelled your booking {reference}: *{session}* on {when}. Send *my "
                              "bookings* to see your bookings, or book another time with *book {code}*.")
MB_RESCHEDULE_START = ("Let's find a new time for *{session}*, now on {when}. The booking stays as it is until you "
                       "confirm the new time.")

# --- sessions (provider): create, list, pause/resume, edit, share ------------------------------------------------
AGENDA_TODAY = "📅 *Today*, {day} ({timezone}):"
AGENDA_TOMORROW = "📅 *Tomorrow*, {day} ({timezone}):"
AGENDA_WEEK = "📅 *The next 7 days* from {day} ({timezone}):"
AGENDA_DAY = "\n*{day}*"
AGENDA_LINE = "{time} *{session}*: {people}\n   {where}"
AGENDA_GROUP_LINE = "{time} *{session}* · {taken}/{capacity}: {people}\n   {where}"
AGENDA_PERSON = "{name} ({phone})"
AGENDA_NOTHING = "{span}\nNothing booked. Send *this week* to look further, or *share link* to get bookings."
AGENDA_PROVIDERS_ONLY = ("The day view is for providers: it lists the sessions people booked with you. Send *my "
                         "bookings* to see your own bookings.")
SESSION_PROVIDERS_ONLY = ("Creating and managing sessions is for providers (coaches, tutors, consultants). Send "
                          "*sign up* to start a 14-day free trial. To book someone's session, send *book* and "
                          "their booking code.")
SESSION_ASK_KIND = "Let's create a session. Is it a 1:1 or a group session?\n{options}"
SESSION_ASK_NAME = ("What's the session called? For example _Career coaching call_ or _Beginner yoga class_ "
                    "(2 to 80 characters).")
SESSION_BAD_NAME = "Please send a name between 2 and 80 characters, with letters (not only numbers or symbols)."
SESSION_ASK_DURATION = ("How long is one session? For example _45_, _45 min_, _1h_, _1 h 30_, _90 minutes_ or "
                        "_1:30_ (5 minutes to 8 hours).")
SESSION_BAD_DURATION = ("I couldn't read “{text}” as a duration. Send minutes or hours, for example _45_, "
                        "_90 minutes_, _1h_, _1 h 30_ or _1:30_.")
SESSION_DURATION_RANGE = ("A session must last between 5 minutes and 8 hours, and “{text}” is {minutes} minutes. "
                          "For hours, write _1h_ or _1:30_.")
SESSION_DURATION_TOO_LONG = ("A {duration} session doesn't fit in any of the hours customers can book "
                             "({availability}). Send a shorter duration, or change the availability first.")
SESSION_ASK_PRICE = ("What's the price of one {unit}, in {currency}? For example _500_ or _49.50_. Send *free* "
                     "for a free session.")
SESSION_PRICE_UNIT_ONE = "session"
SESSION_PRICE_UNIT_GROUP = "place (per person)"
SESSION_BAD_PRICE = ("I couldn't read “{text}” as a price in {currency}. Send an amount such as _500_ or _49.50_ "
                     "(no other currency, at most {maximum}), or *free*.")
SESSION_ASK_MODE = "Is the session online or in person?\n{options}"
SESSION_ASK_PLATFORM = "Which video platform?\n{options}"
SESSION_PLATFORM_NEEDED = ("{platform} must be connected before you can create a session with {platform}, and your {platform} isn't "
                       "connected yet. I can send you a link to connect it now; when {platform} says it's connected, "
                       "come back and choose *I've connected it*.\n{options}")
SESSION_PLATFORM_NEEDED_BROKEN = ("Your {platform} connection stopped working (access was revoked or expired), so {platform} can't "
                              "create meeting links until you connect it again. I can send you a link now; when "
                              "{platform} says it's connected, come back and choose *I've connected it*.\n{options}")
SESSION_PLATFORM_ALTERNATIVES = "You can use Google Meet or meet in person instead:\n{options}"
SESSION_PLATFORM_LINK_NEXT = "When the page says {platform} is connected, come back here and reply *done* to continue."
SESSION_PLATFORM_STILL_MISSING = "{platform} isn't connected yet."
SESSION_ASK_MEET_URL = ("Paste your Google Meet link (it looks like https://meet.google.com/abc-defg-hij). "
                        "Customers get it when they book.")
SESSION_BAD_MEET_URL = ("That isn't a Google Meet link. It should look like https://meet.google.com/abc-defg-hij "
                        "(open meet.google.com, create a meeting for later and copy its link).")
SESSION_ASK_ADDRESS = "Where do customers meet you? Send the full address (5 to 255 characters)."
SESSION_BAD_ADDRESS = "Please send the full address, between 5 and 255 characters."
SESSION_ASK_AVAILABILITY = ("When can customers book it? Send your weekly hours in your time zone ({timezone}), "
                            "for example:\n_Mon-Fri 10:00-13:00, Sat 09:00-11:00_")
SESSION_BAD_AVAILABILITY = "I couldn't use those hours:\n{problems}"
SESSION_AVAILABILITY_UNDERSTOOD = "The rest I read as: {availability}."
SESSION_AVAILABILITY_AGAIN = ("Please send all your weekly hours again in one message, for example:\n"
                              "_Mon-Fri 10:00-13:00, Sat 09:00-11:00_")
SESSION_AVAILABILITY_TOO_SHORT = ("None of these hours ({availability}) is long enough for a {duration} session. "
                                  "Send longer hours, for example _Mon-Fri 10:00-13:00_.")
SESSION_ASK_CAPACITY = "How many people can join one group session? Send a number from 2 to 500."
SESSION_BAD_CAPACITY = "Please send a whole number of places from 2 to 500, for example _10_."
SESSION_ASK_NOTICE = ("How much notice do you need before a booking? Send hours, for example _2_, _24_ or _1.5_, "
                      "or *none* (0 to 720 hours).")
SESSION_BAD_NOTICE = ("I couldn't read “{text}” as hours of notice. Send a number of hours from 0 to 720, for "
                      "example _2_, _24_ or _1.5_, or *none*.")
SESSION_ASK_DESCRIPTION = ("Describe the session for your customers in a sentence or two (what it is, who it's for, "
                           "what to bring; up to 500 characters), or send *skip* for none. They see it when they "
                           "choose the session.")
SESSION_BAD_DESCRIPTION = "Please send a description of 3 to 500 characters, or *skip* for none."
SESSION_NO_DESCRIPTION = "no description"
SESSION_FIELD_DESCRIPTION = "• Description: {description}"
SESSION_CONFIRM_DELETE = ("Delete *{name}*? Customers can't book it any more; past bookings stay in your records."
                          "\n{options}")
SESSION_CONFIRM_DELETE_BOOKINGS = ("*{name}* has {count} upcoming booking(s), so it can't be deleted as it is. Cancel "
                                   "them and delete it? Each customer is told, and their meeting is deleted.\n{options}")
SESSION_DELETED = "🗑️ *{name}* is deleted: customers can no longer book it."
SESSION_DELETED_CANCELLED = ("🗑️ *{name}* is deleted and its {count} upcoming booking(s) cancelled; each customer has "
                             "been told.")
SESSION_KEPT = "OK, *{name}* stays as it is."
SESSION_SUMMARY = "Please check your new session:\n{details}\n\n{options}"
SESSION_FIELD_NAME = "*{name}*"
SESSION_FIELD_KIND = "• Type: {kind}"
SESSION_FIELD_DURATION = "• Duration: {duration}"
SESSION_FIELD_PRICE = "• Price: {price}"
SESSION_FIELD_WHERE = "• Where: {where}"
SESSION_FIELD_AVAILABILITY = "• Availability: {availability} (time zone {timezone})"
SESSION_FIELD_CAPACITY = "• Places per session: {capacity}"
SESSION_FIELD_NOTICE = "• Minimum notice: {notice}"
SESSION_FIELD_STATUS = "• Status: {status}"
SESSION_KIND_ONE = "1:1"
SESSION_KIND_GROUP = "group"
SESSION_WHERE_PLATFORM = "online, {platform} (a meeting link is created for each booking)"
SESSION_WHERE_PLATFORM_GROUP = ("online, {platform} (one meeting for each time the session happens, shared by "
                                "everyone booked into it)")
SESSION_WHERE_MEET = "online, Google Meet {url}"
SESSION_WHERE_ADDRESS = "in person, {address}"
SESSION_MINUTES = "{minutes} min"
SESSION_HOURS = "{hours} h"
SESSION_HOURS_MINUTES = "{hours} h {minutes} min"
SESSION_NOTICE_NONE = "none"
SESSION_NOTICE_HOURS = "{hours} h"
SESSION_STATUS_ACTIVE = "active"
SESSION_STATUS_PAUSED = "paused"
SESSION_CREATED = "✅ *{name}* is live: customers can book it now."
SHARE_LINK = ("Your booking code is *{code}*. Share this link: it opens WhatsApp with “book {code}” ready to "
              "send:\n{link}\n\nThe QR code above opens the same chat: forward it, or print it for your door.")
SESSION_LIST = "Your sessions:\n{lines}\n\nReply with a number to see, pause, edit or share a session."
SESSION_LIST_LINE = "{number}. *{name}* · {kind} · {duration} · {price} · {status}"
SESSION_LIST_ROW = "{kind} · {duration} · {price} · {status}"
SESSION_LIST_PLATFORM_MARK = " · ⚠️ {platform}"
SESSION_LIST_EMPTY = "You have no sessions yet. Send *create session* to create your first one."
SESSION_PICK_REJECTED = "Please reply with a session number from 1 to {count}."
SESSION_DETAIL = "{details}\n\n{options}"
SESSION_PAUSED = "⏸️ *{name}* is paused: customers can't book it until you resume it. Existing bookings stay."
SESSION_RESUMED = "▶️ *{name}* is active again: customers can book it."
SESSION_ALREADY_PAUSED = "*{name}* is already paused. Send *resume* to open it for booking again."
SESSION_ALREADY_ACTIVE = "*{name}* is already active: customers can book it. Send *pause* to stop new bookings."
SESSION_EDIT_CURRENT = "Now: {current}."
SESSION_UPDATED = "✅ Saved."
SESSION_CAPACITY_ONE_TO_ONE = "Capacity is for group sessions only: a 1:1 session always has one place."
SESSION_CAPACITY_BELOW_BOOKED = ("{booked} places are already booked for {when}, so the capacity can't go below "
                                 "{booked}.")
SESSION_PLATFORM_WARNING = ("⚠️ {platform} isn't connected (or stopped working), so new bookings of {platform} sessions won't get "
                        "a meeting link. Send *connect {command_word}* to reconnect.")
SESSION_PLATFORM_WARNING_PLAN = ("⚠️ {platform} needs an active trial or the *Pro* plan, so new bookings of {platform} sessions "
                             "won't get a meeting link. To upgrade, write to {support_email}.")

# --- booking (customer) ------------------------------------------------------------------------------------------
BOOK_ASK_CODE = ("Which provider would you like to book? Send their booking code (for example *ABC123*); it's in "
                 "the booking link they shared with you.")
BOOK_CODE_NOT_FOUND = ("I couldn't find a provider with the code “{code}”. Please check it (letters and digits, for "
                       "example *ABC123*) or ask the provider for their booking link.")
BOOK_NOTHING_OPEN = "Sorry, this provider ({provider}) has no sessions open for booking right now."
BOOK_SESSIONS = "Sessions with *{provider}*:\n{options}\n\nReply with the number of the session you'd like to book."
BOOK_SESSION_LINE = "{number}. *{name}* · {duration} · {price} · {where}"
BOOK_SESSION_ROW = "{duration} · {price} · {where}"
BOOK_SESSION_DESCRIPTION = "*{session}*: {description}"
BOOK_MODE_PLATFORM = "online ({platform})"
BOOK_MODE_MEET = "online (Google Meet)"
BOOK_MODE_IN_PERSON = "in person"
BOOK_GROUP_SUFFIX = " · group, up to {capacity}"
BOOK_ASK_TIMEZONE = ("I'll show the times in *{timezone}* (it's {local_time} there now).\nReply *1* or *yes* to "
                     "confirm, or type your city or time zone (for example _London_ or _America/New_York_).")
BOOK_ASK_TIMEZONE_CHOICES = "Which time zone are you in? Reply with a number, or type your city:\n{options}"
BOOK_ASK_TIMEZONE_UNKNOWN = ("Which time zone are you in? Type your city or time zone (for example _London_, "
                             "_Kolkata_ or _America/New_York_).")
ASK_ZONE_AFTER_NO = ("OK. Which city are you in? Type a big city near you (for example _London_, _Mumbai_, _Chicago_), "
                     "a zone like _Europe/Paris_, or an abbreviation like _EST_.")
BOOK_BAD_TIMEZONE = ("I couldn't find a time zone for “{text}”. Type a big city near you (for example _Mumbai_, "
                     "_Berlin_, _Chicago_) or a zone like _Europe/Paris_.")
BOOK_DAYS = ("Free days for *{session}* over the next {days} days (times in {timezone}):\n{options}\n\n"
             "Reply with the number of a day (or its name, like _friday_).")
BOOK_DAY_LINE = "{number}. {day} ({times})"
BOOK_DAY_ROW = "{count} times, {first} to {last}"
BOOK_DAY_ROW_ONE = "1 time, {time}"
BOOK_DAY_MORE = "{first} … +{more} more"
BOOK_NO_DAYS = ("Sorry, *{session}* has no free times in the next {days} days. Send *back* to choose another "
                "session, or *menu* for the menu.")
BOOK_TIMES = "Free times for *{session}* on {day} ({timezone}):\n{options}\n\nReply with the number of a time."
BOOK_TIME_LINE = "{number}. {time}"
BOOK_TIME_LINE_GROUP = "{number}. {time} · {left} of {capacity} places left"
BOOK_TIME_ROW_GROUP = "{left} of {capacity} places left"
BOOK_NO_TIMES = "Sorry, there are no free times left on {day}. Send *back* to choose another day."
BOOK_PICK_NUMBER = "Please reply with a number from 1 to {count}, *back* to go back or *cancel* to stop."
BOOK_NOTHING_TO_PICK = "There's nothing to choose here. Send *back* to go back or *menu* for the menu."
BOOK_ASK_NAME_KNOWN = "What name should the booking be under? Reply *1* to use *{name}*, or type your name."
BOOK_ASK_NAME = "What name should the booking be under? Please type your name."
BOOK_BAD_NAME = "Please send a name between 2 and 80 characters (letters, not only numbers or symbols)."
BOOK_ASK_EMAIL_KNOWN = ("Where should the confirmation go? Reply *1* to use *{email}*, or type another email "
                        "address.")
BOOK_ASK_EMAIL = "What's your email address? The confirmation, with a calendar invitation, goes there."
BOOK_EMAIL_TYPO = ("Did you mean *{suggestion}*? Reply *1* to use it, or send *{typed}* again if that is right.")
BOOK_DAY_PAST = "{day} has already passed. Please pick one of the days listed (1 to {count})."
BOOK_DAY_NOT_LISTED = ("There are no free times on {day}. Please pick one of the days listed (1 to {count}), or "
                       "*back* to choose another session.")
BOOK_BAD_EMAIL = "“{text}” doesn't look like an email address. Please send one like _name@example.com_."
BOOK_SUMMARY = ("Please check your booking:\n*{session}* with {provider}\nWhen: {when}\nDuration: {duration}\n"
                "Price: {price}\n{where}\nName: {name}\nEmail: {email}\n\n{options}\nReply *1* or *yes* to book, "
                "*back* to change something, *cancel* to stop.")
BOOK_SUMMARY_WHERE_PLATFORM = "Where: online on {platform} (your own meeting link follows once you've booked)"
BOOK_SUMMARY_WHERE_MEET = "Where: Google Meet, {url}"
BOOK_SUMMARY_WHERE_ADDRESS = "Where: {address}"
BOOK_RESCHEDULE_SUMMARY = ("Move your booking {reference} (*{session}* with {provider})\nfrom {old}\nto {new}?\n\n"
                           "{options}\nReply *1* or *yes* to move it, *back* to pick another time, *cancel* to "
                           "keep it as it is.")
BOOK_CONFIRMED = ("✅ Booked! *{session}* with {provider} on {when}.\nBooking reference: *{reference}*\n{where}\n"
                  "A confirmation email with a calendar invitation is on its way to {email}.")
BOOK_CONFIRMED_PLATFORM = "Your {platform} link follows in a moment."
BOOK_MOVED_SAME_LINK = "Your {platform} link stays the same: the meeting moved with the booking."
BOOK_CONFIRMED_MEET = "Google Meet link: {url}"
BOOK_CONFIRMED_ADDRESS = "Address: {address}"
BOOK_PROVIDER_NEW = ("📅 New booking: {customer} booked *{session}* on {when}. Reference {reference}.{places}\n"
                     "Send *my bookings* to see your bookings.")
BOOK_PROVIDER_PLACES = " {taken} of {capacity} places taken."
BOOK_SLOT_GONE = "Sorry, that time was just taken or is no longer available. Please choose another time."
BOOK_RESCHEDULED = ("✅ Done: your booking {reference} for *{session}* with {provider} is now on {when}.\n{where}\n"
                    "An updated invitation is on its way by email.")
BOOK_PROVIDER_RESCHEDULED = ("🔁 {customer} moved booking {reference} for *{session}* from {old} to {new}.\n"
                             "Send *my bookings* to see your bookings.")
BOOK_PROVIDER_DID_RESCHEDULE = ("✅ Done: booking {reference} ({customer}, *{session}*) is now on {when}. "
                                "The customer has been told.")
BOOK_CUSTOMER_RESCHEDULED_BY_PROVIDER = ("🔁 {provider} moved your booking {reference} for *{session}* from {old} "
                                         "to {new}.\n{where}\nAn updated invitation is on its way by email.")

# --- booking fixes ---------------------------------------------------------------------------------------------------
BOOK_SESSION_CLOSED = "Sorry, *{session}* was just closed for booking."
BOOK_SESSION_PAUSED = "Sorry, *{session}* has just been paused, so it can't be booked right now. Nothing was booked."
BOOK_SUMMARY_WHERE_PLATFORM_GROUP = ("Where: online on {platform} (one meeting shared by the attendees; the {platform} link follows "
                                 "once you've booked)")
BOOK_CONFIRMED_PLATFORM_GROUP = "The {platform} link (one meeting shared by the attendees) follows in a moment."
BOOK_SUMMARY_WHERE_PLATFORM_DELAYED = ("Where: online on {platform}. Note: the provider has to reconnect their {platform} account "
                                   "before the meeting link can be made, so the link may come later; your place is "
                                   "kept either way")
BOOK_CONFIRMED_PLATFORM_DELAYED = ("The provider has to reconnect their {platform} account before your meeting link can be "
                               "made: you'll get it here and by email as soon as they do.")
BOOK_NO_DAYS_RESCHEDULE = ("Sorry, *{session}* has no other free times in the next {days} days, so the booking can't "
                           "be moved right now. Send *back* to go back to the booking, or *menu* for the menu.")
BOOK_RESCHEDULE_SUMMARY_AS_PROVIDER = ("Move {customer}'s booking {reference} (*{session}*)\nfrom {old}\nto {new}?\n\n"
                                       "{options}\nReply *1* or *yes* to move it ({customer} will be told), *back* "
                                       "to pick another time, *cancel* to keep it as it is.")

# --- session where / paused moves ------------------------------------------------------------------------------------
OPT_EDIT_WHERE = "Change where it happens"
SESSION_WHERE_HAS_BOOKINGS = ("This session has {count} upcoming booking(s), and their customers were told where it "
                              "happens, so the place can't change under them. Cancel or move those bookings first, "
                              "or create a new session for the new place.")
SESSION_ASK_WHERE = ("Send {choices}, your own Google Meet link (https://meet.google.com/...), or *in person* followed "
                     "by the address (for example: in person, 12 MG Road, Bengaluru).")
SESSION_WHERE_CHOICE = "*{command_word}* (a {platform} link made for each booking)"
SESSION_WHERE_UNCLEAR = "I couldn't tell from “{text}” where the session happens."
SESSION_WHERE_PLATFORM_NOT_CONNECTED = ("Your {platform} isn't connected, so bookings of a {platform} session couldn't get a meeting "
                                    "link. Connect it with the link below, then send *{command_word}* again. Or send your "
                                    "Google Meet link, or *in person* followed by the address.")
SESSION_WHERE_PLATFORM_BROKEN = ("Your {platform} connection stopped working (access was revoked or expired), so bookings of "
                             "a {platform} session couldn't get a meeting link. Connect it again with the link below, then "
                             "send *{command_word}* again. Or send your Google Meet link, or *in person* followed by the "
                             "address.")
SESSION_WHERE_PLATFORM_ALTERNATIVES = ("You can send your Google Meet link (https://meet.google.com/...), or *in person* "
                                   "followed by the address, instead.")

# --- reminders (before each booking) -----------------------------------------------------------------------------
REMINDER_CUSTOMER_24H = "⏰ Reminder: *{session}* with {provider} is on {when}.\n{where}\n\n{choices}"
REMINDER_CUSTOMER_1H = "⏰ Starting soon: *{session}* with {provider} at {when}.\n{where}\n\n{choices}"
REMINDER_CHOICES = ("✅ I'll be there: reply *there {reference}*\n🔁 Reschedule: reply *reschedule {reference}*\n"
                    "❌ Cancel: reply *cancel {reference}*")
REMINDER_BUTTON_ATTEND, REMINDER_BUTTON_RESCHEDULE, REMINDER_BUTTON_CANCEL = "I'll be there", "Reschedule", "Cancel"
REMINDER_PROVIDER_24H = "⏰ Reminder: *{session}* on {when} with {customers}.\n{where}"
REMINDER_PROVIDER_1H = "⏰ In about an hour: *{session}* at {when} with {customers}.\n{where}"
REMINDER_CUSTOMER_NAME = "{name}"
REMINDER_CUSTOMER_ATTENDING = "{name} (✅ will be there)"
# The meeting has no link an hour before the start.
REMINDER_NO_LINK_CUSTOMER = ("⚠️ The {platform} link isn't ready yet. It comes here the moment it is; if it hasn't "
                             "come by the start, {provider} has been asked to send you a link directly.")
REMINDER_NO_LINK_PROVIDER_DISCONNECTED = (
    "⚠️ There is no {platform} meeting for it yet: your {platform} account isn't connected (or stopped working). "
    "Connect it now and the link goes to your customers at once: {link}\nOr send them a meeting link yourself "
    "before the start: {contacts}.")
REMINDER_NO_LINK_PROVIDER_FAILED = (
    "⚠️ {platform} hasn't created the meeting for it (it refused or isn't answering). Please send your customers a "
    "meeting link yourself before the start: {contacts}.")
REMINDER_CONTACT = "{name} {phone}"
# The approved template's variables (TWILIO_REMINDER_CONTENT_SID), one line each.
REMINDER_TEMPLATE_WHAT = "{session} with {other}"
# Answers to the choices.
REMINDER_ATTENDING_SAVED = ("👍 Thanks, {name}! {provider} will see that you'll be there: *{session}* on {when}. "
                            "See you then.")
REMINDER_ATTENDING_PROVIDER = ("That choice is for your customer. Your bookings are under *my bookings* "
                               "(✅ marks who said they'll be there).")
REMINDER_BOOKING_NOT_FOUND = ("I couldn't find an upcoming booking {reference} of yours. Send *my bookings* to see "
                              "them.")
REMINDER_NOTHING_TO_CONFIRM = "I couldn't tell which booking you mean. Send *my bookings* to see them."
MB_ATTENDING = "✅ will be there"
# The provider's settings ("reminders").
REMINDERS_SETTINGS = ("⏰ *Reminders* before each booking:\n• Your customers: {customers}\n• You: {me}\n\n"
                      "Change them:\n{options}\n\n*menu* when you're done.")
REMINDERS_SAVED = "✅ Saved."
REMINDERS_CUSTOMERS_ONLY = ("Reminders come by themselves, 24 hours and 1 hour before each booking, with the "
                            "meeting link. Send *STOP* to turn off all messages.")
REMINDER_SETTING_24H1H = "24 hours and 1 hour before"
REMINDER_SETTING_1H = "1 hour before only"
REMINDER_SETTING_OFF = "off"
OPT_REMIND_CUSTOMERS_24H1H = "Customers: 24 hours and 1 hour before"
OPT_REMIND_CUSTOMERS_1H = "Customers: 1 hour before only"
OPT_REMIND_CUSTOMERS_OFF = "Customers: off"
OPT_REMIND_SELF_24H1H = "Me: 24 hours and 1 hour before"
OPT_REMIND_SELF_1H = "Me: 1 hour before only"
OPT_REMIND_SELF_OFF = "Me: off"
