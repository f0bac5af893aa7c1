"""What a new user tripped over (issue 14), driven through the signed webhook as they typed it."""
import io

import PIL.Image
import zxingcpp

from bot.core import messages as msg
from tests.fixtures.builders import CUSTOMER, code_of, make_provider


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


def test_the_booking_link_as_a_qr_code_image(client, services):
    code = code_of(services, make_provider(services))
    response = client.get(f"/share/{code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(PIL.Image.open(io.BytesIO(response.get_data())))
    # No number configured in tests: the link opens Twilio's sandbox number, "book CODE" typed.
    assert [r.text for r in decoded] == [f"https://wa.me/14155238886?text=book%20{code}"]
    assert client.get(f"/share/{code.lower()}.png").status_code == 200
    for unknown in ("ZZZZ99", "not-a-code", "A" * 40):
        assert client.get(f"/share/{unknown}.png").status_code == 404
