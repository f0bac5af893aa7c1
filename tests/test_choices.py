"""bot/core/choices.py: one offer drawn as numbered text, as buttons or as a list (paged past 10), and taps mapped back
to exactly the choice shown."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core import choices
from bot.core import messages as msg
from bot.core.choices import Choice, Offer


def _offer(count: int, *, description: str = "", state: str = "book_time", body: str = "Pick a time") -> Offer:
    return Offer(body=body, state=state,
                 choices=tuple(Choice(f"2026-12-0{1 + i // 100}T{i:04d}", f"T{i}", description) for i in range(count)))


def test_two_or_three_short_choices_are_buttons_and_longer_ones_a_list() -> None:
    assert Offer("Pick", (Choice("yes", "Yes"), Choice("no", "No")), "s").as_buttons
    assert not Offer("Pick", (Choice("a", "A"),) * 4, "s").as_buttons  # four: a list
    assert not Offer("Pick", (Choice("a", "x" * 21), Choice("b", "B")), "s").as_buttons  # a title over 20
    assert not Offer("Pick", (Choice("a", "A", "6 times"), Choice("b", "B", "2 times")), "s").as_buttons


def test_up_to_ten_choices_fit_one_list_without_paging_rows() -> None:
    offer = _offer(10)
    assert offer.pages == 1
    assert [row.title for row in offer.rows()] == [f"T{i}" for i in range(10)]


def test_more_than_ten_go_in_pages_of_nine_with_more_and_back_rows() -> None:
    offer = _offer(25, description="2 of 8 places left")
    first, second, third = (offer.rows(page) for page in (1, 2, 3))
    assert [r.title for r in first] == [f"T{i}" for i in range(9)] + [msg.LIST_MORE]
    assert [r.title for r in second] == [f"T{i}" for i in range(9, 17)] + [msg.LIST_MORE, msg.LIST_BACK]
    assert [r.title for r in third] == [f"T{i}" for i in range(17, 25)] + [msg.LIST_BACK]
    assert offer.pages == 3
    assert first[-1].description == msg.LIST_MORE_DESCRIPTION.format(first=10, last=17, count=25)
    assert all(len(page) <= choices.ROWS_MAX for page in (first, second, third))


def test_rows_without_descriptions_get_paging_rows_without_descriptions() -> None:
    rows = _offer(12).rows(1)
    assert not any(row.description for row in rows)


def test_a_long_title_is_shortened_and_kept_whole_in_the_second_line() -> None:
    name = "Career coaching for engineers moving abroad"
    offer = Offer("Sessions", tuple(Choice(str(i), name if i == 0 else f"S{i}") for i in range(4)), "book_session")
    rows = offer.rows()
    assert len(rows[0].title) == choices.ROW_TITLE_MAX and rows[0].title.endswith("…")
    assert rows[0].description == name
    assert rows[1].description == ""  # the others keep theirs (none)


def test_a_tap_on_the_current_offer_is_its_number() -> None:
    offer = _offer(25)
    row = offer.rows(2)[3]
    assert choices.resolve(row.id, offer, "book_time") == choices.Tap(number=13, text="13")


def test_more_and_back_rows_are_pages() -> None:
    offer = _offer(25)
    assert choices.resolve(offer.rows(1)[-1].id, offer, "book_time").page == 2
    assert choices.resolve(offer.rows(2)[-1].id, offer, "book_time").page == 1


def test_a_tap_on_an_older_offer_or_in_another_state_is_stale_never_another_choice() -> None:
    yesterday = _offer(5, body="Free times on Tue")
    today = _offer(5, body="Free times on Wed")  # the same times, another day: other ids
    tapped = yesterday.rows()[0].id
    assert choices.resolve(tapped, today, "book_time").stale
    assert choices.resolve(tapped, yesterday, "book_day").stale
    assert choices.resolve(tapped, None, "book_time").stale
    assert choices.resolve(today.tap_id("not-listed"), today, "book_time").stale


def test_payloads_we_did_not_make_are_not_ours() -> None:
    assert not choices.resolve("attend:ABC234", _offer(3), "customer_menu").ours
    assert not choices.resolve(None, _offer(3), "customer_menu").ours


def test_an_offer_survives_its_stored_form_and_a_damaged_one_is_none() -> None:
    offer = _offer(4, description="x")
    assert Offer.from_json(offer.to_json()) == offer
    assert Offer.from_json({"body": "x"}) is None
    assert Offer.from_json("garbage") is None


@given(count=st.integers(min_value=1, max_value=60), described=st.booleans())
def test_every_choice_is_on_exactly_one_page_in_order_and_every_row_maps_back(count: int, described: bool) -> None:
    offer = _offer(count, description="d" if described else "")
    seen: list[int] = []
    for page in range(1, offer.pages + 1):
        rows = offer.rows(page)
        assert len(rows) <= (choices.BUTTONS_MAX if offer.as_buttons else choices.ROWS_MAX)
        for row in rows:
            tap = choices.resolve(row.id, offer, offer.state)
            assert not tap.stale
            if tap.number is not None:
                seen.append(tap.number)
                assert offer.choices[tap.number - 1].title.startswith(row.title.rstrip("…"))
    assert seen == list(range(1, count + 1))


def test_a_long_label_is_split_where_it_pauses_unless_that_makes_two_rows_alike() -> None:
    offer = Offer("Menu", (Choice("book", "Book a session (you'll need the provider's booking code)"),
                           Choice("signup", "I'm a coach/tutor: sign up as a provider (14-day free trial)"),
                           Choice("mine", "My bookings"), Choice("help", "Help and support")), "customer_menu")
    rows = offer.rows()
    assert (rows[0].title, rows[0].description) == ("Book a session", "You'll need the provider's booking code")
    assert (rows[1].title, rows[1].description) == ("I'm a coach/tutor", "Sign up as a provider (14-day free trial)")
    alike = Offer("Reminders", tuple(Choice(str(i), f"Customers: {text}") for i, text in
                                     enumerate(("24 hours and 1 hour before", "1 hour before only", "no reminders",
                                                "every day at noon and before"))), "reminder_settings")
    assert len({row.title for row in alike.rows()}) == 4


def test_a_question_that_names_its_answers_types_the_key_when_tapped() -> None:
    offer = Offer("Why? (optional, or *skip*)", (Choice("skip", "Skip"),), "cancel_reason", typed=True)
    assert choices.resolve(offer.rows()[0].id, offer, "cancel_reason").text == "skip"
    assert Offer.from_json(offer.to_json()) == offer
