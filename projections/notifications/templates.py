"""The words: one template per kind of notification, in English and Indonesian.

A message always says what is known and no more: a promised date when a
supplier backs it, "no supplier date yet" when none does (with Antrian's
estimate from the supplier's usual lead time when it has one). The locale
is the order's (or the watcher's) contact locale; anything else falls back
to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.notifications.compose import Kind
from projections.notifications.views import LineView

MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split(),
}

HEADLINES: dict[str, dict[Kind, tuple[str, str]]] = {
    "en": {
        Kind.CANCELLED: (
            "Order {order_id}: {sku} cancelled",
            "{cancelled} of {quantity} unit(s) of {sku} on order {order_id} were cancelled: {reason}.",
        ),
        Kind.ALLOCATED: (
            "Order {order_id}: {sku} is ready to ship",
            "{ready} of {quantity} unit(s) of {sku} on order {order_id} are reserved for you and ready to ship.",
        ),
        Kind.SUBSTITUTE_OFFERED: (
            "Order {order_id}: a substitute for {sku} is available",
            "{sku} on order {order_id} is backordered. We can send {offer_quantity} x {offer_sku} instead, "
            "in stock now. Reply to accept or decline; until then your place in the queue is kept.",
        ),
        Kind.BACKORDERED: (
            "Order {order_id}: {sku} is backordered",
            "{sku} on order {order_id} is not in stock yet.",
        ),
        Kind.ETA_LATER: (
            "Order {order_id}: {sku} will arrive later than promised",
            "The expected date for {sku} on order {order_id} moved from {old_date} to {new_date}.",
        ),
        Kind.ETA_EARLIER: (
            "Order {order_id}: {sku} will arrive earlier than promised",
            "The expected date for {sku} on order {order_id} moved forward from {old_date} to {new_date}.",
        ),
        Kind.ETA_CHANGED: (
            "Order {order_id}: new expected date for {sku}",
            "The expected date for {sku} on order {order_id} changed (before: {old_promise}).",
        ),
        Kind.PUSHED_BACK: (
            "Order {order_id}: {sku} moved back in the queue",
            "Orders with priority joined the queue for {sku} ahead of order {order_id}: "
            "it moved from position {old_position} to {position}.",
        ),
        Kind.MOVED_AHEAD: (
            "Order {order_id}: {sku} moved ahead in the queue",
            "Order {order_id} moved ahead in the queue for {sku}: from position {old_position} to {position}.",
        ),
        Kind.BACK_IN_STOCK: (
            "{sku} is back in stock",
            "{sku} is back in stock: {available} unit(s) available now. They are not held for you, "
            "so order soon.",
        ),
    },
    "id": {
        Kind.CANCELLED: (
            "Pesanan {order_id}: {sku} dibatalkan",
            "{cancelled} dari {quantity} unit {sku} pada pesanan {order_id} dibatalkan: {reason}.",
        ),
        Kind.ALLOCATED: (
            "Pesanan {order_id}: {sku} siap dikirim",
            "{ready} dari {quantity} unit {sku} pada pesanan {order_id} sudah disiapkan untuk Anda "
            "dan siap dikirim.",
        ),
        Kind.SUBSTITUTE_OFFERED: (
            "Pesanan {order_id}: pengganti untuk {sku} tersedia",
            "{sku} pada pesanan {order_id} masih menunggu stok. Kami dapat mengirim {offer_quantity} x "
            "{offer_sku} sebagai gantinya, tersedia sekarang. Balas untuk menerima atau menolak; "
            "sampai saat itu tempat Anda di antrean tetap.",
        ),
        Kind.BACKORDERED: (
            "Pesanan {order_id}: {sku} menunggu stok",
            "{sku} pada pesanan {order_id} belum tersedia.",
        ),
        Kind.ETA_LATER: (
            "Pesanan {order_id}: {sku} tiba lebih lambat dari yang dijanjikan",
            "Perkiraan tanggal untuk {sku} pada pesanan {order_id} mundur dari {old_date} "
            "menjadi {new_date}.",
        ),
        Kind.ETA_EARLIER: (
            "Pesanan {order_id}: {sku} tiba lebih cepat dari yang dijanjikan",
            "Perkiraan tanggal untuk {sku} pada pesanan {order_id} maju dari {old_date} menjadi {new_date}.",
        ),
        Kind.ETA_CHANGED: (
            "Pesanan {order_id}: perkiraan tanggal baru untuk {sku}",
            "Perkiraan tanggal untuk {sku} pada pesanan {order_id} berubah (sebelumnya: {old_promise}).",
        ),
        Kind.PUSHED_BACK: (
            "Pesanan {order_id}: antrean {sku} mundur",
            "Pesanan dengan prioritas masuk antrean {sku} di depan pesanan {order_id}: "
            "nomor antreannya mundur dari {old_position} menjadi {position}.",
        ),
        Kind.MOVED_AHEAD: (
            "Pesanan {order_id}: antrean {sku} maju",
            "Pesanan {order_id} maju dalam antrean {sku}: nomor antreannya maju dari {old_position} "
            "menjadi {position}.",
        ),
        Kind.BACK_IN_STOCK: (
            "{sku} tersedia kembali",
            "{sku} tersedia kembali: {available} unit tersedia sekarang. Stok tidak kami simpan "
            "khusus untuk Anda, jadi segera pesan.",
        ),
    },
}

PHRASES = {
    "en": {
        "no_date": "no supplier date yet",
        "estimate": "no supplier date yet (our estimate from the supplier's usual lead time: {date})",
        "expected": "expected {date}",
        "waiting": "{waiting} unit(s) wait at position {position} in the queue; {promise}.",
        "queued": "{waiting} unit(s) wait in the queue; {promise}.",
        "ready": "{ready} unit(s) are ready to ship.",
        "substitute": "They are sent as {substitute_sku}, the substitute you accepted.",
        "complete": "As you asked, your order ships once every line is ready.",
        "too_late": "the earliest date we could promise ({eta}) is later than the longest wait you accepted",
        "free": "Cancelling is free of charge.",
    },
    "id": {
        "no_date": "belum ada tanggal dari pemasok",
        "estimate": "belum ada tanggal dari pemasok (perkiraan kami dari waktu kirim biasa pemasok: {date})",
        "expected": "perkiraan tiba {date}",
        "waiting": "{waiting} unit menunggu di antrean nomor {position}; {promise}.",
        "queued": "{waiting} unit menunggu di antrean; {promise}.",
        "ready": "{ready} unit siap dikirim.",
        "substitute": "Yang dikirim adalah {substitute_sku}, pengganti yang Anda terima.",
        "complete": "Sesuai permintaan Anda, pesanan dikirim setelah semua barang siap.",
        "too_late": "tanggal paling awal yang bisa kami janjikan ({eta}) melewati batas waktu tunggu "
        "yang Anda pilih",
        "free": "Pembatalan tidak dikenai biaya.",
    },
}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def language(locale: str) -> str:
    return locale if locale in HEADLINES else "en"


def long_date(iso: str, locale: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[language(locale)][day.month - 1]} {day.year}"


def promise(view: LineView, locale: str) -> str:
    """What the customer may count on: a supplier-backed date, an estimate, or nothing yet."""
    words = PHRASES[language(locale)]
    if view.eta is None:
        return words["no_date"]
    key = "estimate" if view.needs_purchase else "expected"
    return words[key].format(date=long_date(view.eta, locale))


def render_line(
    kind: Kind, locale: str, order_id: str, told: LineView, now: LineView, ships_complete: bool = False
) -> Message:
    """A message about one order line: the headline for `kind`, then where the line stands now.

    `ships_complete`: the order waits for all its lines, so "ready" units do not leave yet.
    """
    lang = language(locale)
    words = PHRASES[lang]
    reason = now.cancel_reason or ""
    if now.cancel_automatic and now.cancel_eta:
        reason = words["too_late"].format(eta=long_date(now.cancel_eta, locale))
    values: dict[str, Any] = {
        **now.as_dict(),
        "order_id": order_id,
        "cancelled": now.cancelled - told.cancelled,
        "reason": reason,
        "old_promise": promise(told, locale),
        "old_date": long_date(told.eta, locale) if told.eta else "",
        "old_position": told.position,
        "new_date": long_date(now.eta, locale) if now.eta else "",
    }
    subject, headline = HEADLINES[lang][kind]
    sentences = [headline.format(**values)]
    if kind is Kind.ALLOCATED and now.substitute_sku:
        sentences.append(words["substitute"].format(substitute_sku=now.substitute_sku))
    if kind is Kind.ALLOCATED and ships_complete:
        sentences.append(words["complete"])
    if kind is Kind.CANCELLED:
        sentences.append(words["free"])
    if now.ready and kind is not Kind.ALLOCATED:
        sentences.append(words["ready"].format(ready=now.ready))
    if now.waiting:
        # Units taken back join the queue without a new place being announced for them.
        where = "waiting" if now.position is not None else "queued"
        sentences.append(
            words[where].format(waiting=now.waiting, position=now.position, promise=promise(now, locale))
        )
    return Message(subject=subject.format(**values), body=" ".join(sentences))


def render_back_in_stock(locale: str, sku: str, available: int) -> Message:
    subject, body = HEADLINES[language(locale)][Kind.BACK_IN_STOCK]
    values = {"sku": sku, "available": available}
    return Message(subject=subject.format(**values), body=body.format(**values))
