"""What a new user tripped over (issue 14), driven through the signed webhook as they typed it."""
from bot.core import messages as msg

CUSTOMER = "+447700900123"


def test_thanks_gets_a_short_answer_and_keeps_the_step(whatsapp):
    chat = whatsapp(CUSTOMER)
    chat.send("hi")
    reply = chat.send("thanks!")
    assert reply == msg.YOU_ARE_WELCOME  # one line, not the whole menu again
    chat.send("book")
    assert chat.send("Thank you") == msg.YOU_ARE_WELCOME_MID_STEP


def test_hello_there_is_a_greeting(whatsapp):
    chat = whatsapp(CUSTOMER)
    reply = chat.send("Hello there")
    assert msg.NOT_UNDERSTOOD.split("“")[0] not in reply and "1. " + msg.OPT_BOOK in reply


def test_i_want_to_cancel_my_booking_opens_my_bookings(whatsapp):
    chat = whatsapp(CUSTOMER)
    chat.send("hi")
    assert msg.MB_NONE in chat.send("I want to cancel my booking")
