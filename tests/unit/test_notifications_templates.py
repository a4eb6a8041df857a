"""Messages in the order's language that say what is known and no more."""

from __future__ import annotations

from dataclasses import replace

import pytest

from projections.notifications.compose import Kind
from projections.notifications.templates import Message, render_back_in_stock, render_line
from projections.notifications.views import LineView

ORDERED = LineView(sku="A", quantity=5)
WAITING = replace(ORDERED, waiting=5, position=2, eta="2026-01-20")


def test_a_backorder_with_a_supplier_date_names_the_place_and_the_date_in_english():
    assert render_line(Kind.BACKORDERED, "en", "O1", ORDERED, WAITING) == Message(
        subject="Order O1: A is backordered",
        body="A on order O1 is not in stock yet. 5 unit(s) wait at position 2 in the queue; "
        "expected 20 January 2026.",
    )


def test_a_backorder_with_a_supplier_date_names_the_place_and_the_date_in_indonesian():
    assert render_line(Kind.BACKORDERED, "id", "O1", ORDERED, WAITING) == Message(
        subject="Pesanan O1: A menunggu stok",
        body="A pada pesanan O1 belum tersedia. 5 unit menunggu di antrean nomor 2; perkiraan tiba 20 Januari 2026.",
    )


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en", "no supplier date yet."), ("id", "belum ada tanggal dari pemasok.")],
)
def test_without_a_date_the_message_says_there_is_no_supplier_date_yet(locale, said):
    body = render_line(Kind.BACKORDERED, locale, "O1", ORDERED, replace(WAITING, eta=None)).body

    assert body.endswith(said)


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "no supplier date yet (our estimate from the supplier's usual lead time: 20 January 2026)."),
        (
            "id",
            "belum ada tanggal dari pemasok (perkiraan kami dari waktu kirim biasa pemasok: 20 Januari 2026).",
        ),
    ],
)
def test_a_date_no_purchase_order_backs_is_given_as_an_estimate_only(locale, said):
    body = render_line(Kind.BACKORDERED, locale, "O1", ORDERED, replace(WAITING, needs_purchase=True)).body

    assert body.endswith(said)


def test_a_later_eta_says_from_which_date_to_which():
    later = replace(WAITING, eta="2026-02-03")

    assert render_line(Kind.ETA_LATER, "en", "O1", WAITING, later) == Message(
        subject="Order O1: A will arrive later than promised",
        body="The expected date for A on order O1 moved from 20 January 2026 to 3 February 2026. "
        "5 unit(s) wait at position 2 in the queue; expected 3 February 2026.",
    )
    assert render_line(Kind.ETA_EARLIER, "id", "O1", later, WAITING).body.startswith(
        "Perkiraan tanggal untuk A pada pesanan O1 maju dari 3 Februari 2026 menjadi 20 Januari 2026."
    )


def test_an_eta_that_became_unknown_says_what_it_was_and_that_there_is_no_date_now():
    body = render_line(Kind.ETA_CHANGED, "en", "O1", WAITING, replace(WAITING, eta=None)).body

    assert body == (
        "The expected date for A on order O1 changed (before: expected 20 January 2026). "
        "5 unit(s) wait at position 2 in the queue; no supplier date yet."
    )


def test_a_partial_allocation_says_what_is_ready_and_where_the_rest_waits():
    now = replace(WAITING, ready=2, waiting=3)

    assert render_line(Kind.ALLOCATED, "en", "O1", WAITING, now).body == (
        "2 of 5 unit(s) of A on order O1 are reserved for you and ready to ship. "
        "3 unit(s) wait at position 2 in the queue; expected 20 January 2026."
    )


def test_an_automatic_cancel_explains_the_date_was_past_the_customers_maximum_wait_in_their_language():
    now = replace(
        ORDERED, cancelled=5, cancel_automatic=True, cancel_eta="2026-01-20", cancel_reason="internal text"
    )

    assert render_line(Kind.CANCELLED, "id", "O1", WAITING, now) == Message(
        subject="Pesanan O1: A dibatalkan",
        body="5 dari 5 unit A pada pesanan O1 dibatalkan: tanggal paling awal yang bisa kami janjikan "
        "(20 Januari 2026) melewati batas waktu tunggu yang Anda pilih. Pembatalan tidak dikenai biaya.",
    )


def test_ready_units_of_an_order_shipped_complete_wait_for_the_other_lines_in_indonesian():
    now = replace(ORDERED, ready=5)

    assert render_line(Kind.ALLOCATED, "id", "O1", ORDERED, now, ships_complete=True).body == (
        "5 dari 5 unit A pada pesanan O1 sudah disiapkan untuk Anda dan siap dikirim. "
        "Sesuai permintaan Anda, pesanan dikirim setelah semua barang siap."
    )


def test_a_customer_cancel_gives_their_reason_and_what_is_left():
    now = replace(ORDERED, ready=2, cancelled=3, cancel_reason="changed my mind")

    assert render_line(Kind.CANCELLED, "en", "O1", ORDERED, now).body == (
        "3 of 5 unit(s) of A on order O1 were cancelled: changed my mind. Cancelling is free of charge. "
        "2 unit(s) are ready to ship."
    )


def test_a_substitute_offer_names_the_substitute_and_keeps_the_place():
    now = replace(WAITING, offer_sku="B", offer_quantity=5)

    assert render_line(Kind.SUBSTITUTE_OFFERED, "en", "O1", WAITING, now).body.startswith(
        "A on order O1 is backordered. We can send 5 x B instead, in stock now."
    )


def test_units_waiting_without_an_announced_place_are_said_to_wait_in_the_queue():
    now = replace(ORDERED, ready=3, waiting=2, needs_purchase=True)

    assert render_line(Kind.BACKORDERED, "en", "O1", ORDERED, now).body.endswith(
        "3 unit(s) are ready to ship. 2 unit(s) wait in the queue; no supplier date yet."
    )


def test_back_in_stock_in_both_languages():
    assert render_back_in_stock("en", "A", 7).subject == "A is back in stock"
    assert render_back_in_stock("id", "A", 7) == Message(
        subject="A tersedia kembali",
        body="A tersedia kembali: 7 unit tersedia sekarang. Stok tidak kami simpan khusus untuk Anda, "
        "jadi segera pesan.",
    )


def test_an_unknown_locale_falls_back_to_english():
    assert render_line(Kind.BACKORDERED, "fr", "O1", ORDERED, WAITING) == render_line(
        Kind.BACKORDERED, "en", "O1", ORDERED, WAITING
    )
