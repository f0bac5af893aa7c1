"""Every text a user sees, as named templates (str.format placeholders). Flows and tests refer to these names;
nobody retypes prose. WhatsApp formatting: *bold*, _italic_."""
from __future__ import annotations

# --- menus ---------------------------------------------------------------------------------------------------
WELCOME = "👋 Hi{name_part}! I'm the MyNextSlot assistant."
CUSTOMER_MENU = "What would you like to do?\n{options}\n\nReply with a number or a word. *help* any time."
PROVIDER_MENU = "Hi {name}, your provider menu:\n{options}\n\nReply with a number or a word. *help* any time."
OPTION_LINE = "{number}. {label}"
NOT_UNDERSTOOD = "Sorry, I didn't get “{text}”. Here are your options:"
NOT_UNDERSTOOD_TEXT_STATE = "Sorry, I couldn't use that. {hint}"
CANCELLED = "OK, cancelled. Nothing was changed."
NOTHING_TO_GO_BACK_TO = "You're at the start already."
GLOBAL_HINT = "Send *menu* for the menu, *cancel* to stop, *help* for help."
INTERNAL_ERROR = ("Sorry, something went wrong on our side and nothing was changed. Please try again in a "
                  "moment, or send *help* to reach a person.")
EMPTY_MESSAGE = "I can only read text messages for now. " + GLOBAL_HINT
IDLE_RESET = "It's been a while, so I've started over."

# option labels
OPT_SIGNUP = "I'm a coach/tutor: sign up as a provider (14-day free trial)"
OPT_HELP = "Help and support"
OPT_MY_PLAN = "My plan"
OPT_HELP_PLAN = "I can't find the option to connect Zoom"
OPT_HELP_AUTH = "Zoom authorization fails or times out"
OPT_HELP_WRONG_ACCOUNT = "I connected the wrong Zoom account"
OPT_HELP_PERSON = "Talk to a person"
OPT_YES = "Yes"

# --- provider sign-up ----------------------------------------------------------------------------------------
ALREADY_PROVIDER = "You're already registered as a provider, {name}."
SIGNUP_ASK_NAME = ("Great! Let's set you up as a provider.\nWhat name should customers see? "
                   "(your name or your business name)")
SIGNUP_BAD_NAME = "Please send a name between 2 and 80 characters (letters, not only numbers or symbols)."
SIGNUP_ASK_TIMEZONE = ("Thanks, {name}. Your number looks like {country}, so I'd use the time zone "
                       "*{timezone}* (it's {local_time} there now).\nReply *1* or *yes* to confirm, or type your "
                       "city or time zone (for example _London_ or _America/New_York_).")
SIGNUP_ASK_TIMEZONE_UNKNOWN = ("Thanks, {name}. Which time zone do you work in? Type your city or time zone "
                               "(for example _London_, _Kolkata_ or _America/New_York_).")
SIGNUP_TIMEZONE_CHOICES = ("Your number's country has several time zones. Reply with a number, or type your city:"
                           "\n{options}")
SIGNUP_BAD_TIMEZONE = ("I couldn't find a time zone for “{text}”. Type a big city near you (for example _Mumbai_, "
                       "_Berlin_, _Chicago_) or a zone like _Europe/Paris_.")
SIGNUP_CONFIRM_TIMEZONE = "Did you mean *{timezone}* (it's {local_time} there now)? Reply *1* or *yes*, or type another city."
SIGNUP_DONE = ("🎉 Welcome aboard, {name}! Your 14-day free trial has started and runs until {trial_end}. "
               "Time zone: {timezone}.")

# --- plans ---------------------------------------------------------------------------------------------------
PLAN_TRIAL = "You're on the *free trial* until {trial_end} ({days_left} days left). Zoom and all Pro features are included."
PLAN_TRIAL_ENDED = ("Your free trial ended on {trial_end}; you're on the *Free* plan now. Zoom integration needs "
                    "the *Pro* plan or an active trial.")
PLAN_PRO = "You're on the *Pro* plan: Zoom integration and WhatsApp notifications are included."
PLAN_FREE = "You're on the *Free* plan. Zoom integration needs the *Pro* plan or an active trial."
PLAN_UPGRADE = "To upgrade to Pro, write to {support_email} or send *help* → *Talk to a person*."

# --- help ----------------------------------------------------------------------------------------------------
HELP_MENU = "How can I help?\n{options}\n\nYou can also write to {support_email} or WhatsApp {support_whatsapp}."
HELP_PLAN = ("Connecting Zoom needs an active trial or the *Pro* plan.\n{plan_status}")
HELP_PLAN_NOT_PROVIDER = ("Connecting Zoom is for providers (coaches, tutors, consultants) on an active trial or "
                          "the Pro plan. Send *menu* and choose *sign up* to start a 14-day free trial.")
HELP_AUTH = ("If Zoom's authorization fails or times out:\n• Authorization links work once and expire after 10 "
             "minutes: send *connect zoom* for a fresh link.\n• Open it in your browser, clear its cookies for "
             "zoom.us if it keeps failing, and make sure pop-ups are not blocked.\n• Sign in to Zoom and press "
             "*Allow*.")
HELP_WRONG_ACCOUNT = ("Connected the wrong Zoom account? Send *disconnect zoom* and confirm, then send *connect "
                      "zoom* and sign in with the right Zoom account.")
HELP_MORE = "Anything else? Send *help* again, *menu* for the menu, or choose *Talk to a person*."
SUPPORT_ASK = ("Tell me in one message what went wrong (what you tried and what you saw). I'll pass it to our "
               "support team with your recent messages.")
SUPPORT_TOO_SHORT = "Please describe the problem in a few words (at least 5 characters)."
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
