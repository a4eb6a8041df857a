"""The webhook channel refuses, when it is built, a URL it could not POST a notification to."""

from __future__ import annotations

import pytest

from projections.notifications.channels import ChannelMisconfigured, WebhookChannel


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("file:///etc/passwd", "file://"),
        ("ftp://example.com/hooks/antrian", "ftp://"),
        ("gopher://example.com/", "gopher://"),
        ("example.com/hooks/antrian", "no scheme"),
    ],
)
def test_a_url_that_is_not_http_or_https_is_refused_when_the_channel_is_built(url, scheme):
    with pytest.raises(ChannelMisconfigured) as refused:
        WebhookChannel(url, "s3cret")

    message = str(refused.value)
    assert message == f"the webhook URL {url!r} must start with http:// or https://, not {scheme}"
    assert "\n" not in message


@pytest.mark.parametrize("url", ["http://", "https:///hooks/antrian", "http:hooks", "http://:8080/hooks"])
def test_a_url_without_a_host_is_refused_when_the_channel_is_built(url):
    with pytest.raises(ChannelMisconfigured, match="names no host"):
        WebhookChannel(url, "s3cret")


@pytest.mark.parametrize("url", ["http://example.com:99999/hooks", "http://example.com:port/hooks"])
def test_a_url_with_an_impossible_port_is_refused_when_the_channel_is_built(url):
    with pytest.raises(ChannelMisconfigured, match="port"):
        WebhookChannel(url, "s3cret")


def test_a_password_in_a_refused_url_is_not_repeated_in_the_message():
    with pytest.raises(ChannelMisconfigured) as refused:
        WebhookChannel("ftp://antrian:hunter2@example.com/hooks", "s3cret")

    assert "hunter2" not in str(refused.value)
    assert "'ftp://antrian:***@example.com/hooks'" in str(refused.value)


def test_a_channel_without_a_secret_is_refused_because_every_request_is_signed():
    with pytest.raises(ChannelMisconfigured, match="set ANTRIAN_WEBHOOK_SECRET"):
        WebhookChannel("https://example.com/hooks", "")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/notifications",
        "https://hooks.example.com/antrian?tenant=7",
        "HTTPS://Hooks.Example.com/antrian",
        "http://[::1]:9000/",
    ],
)
def test_http_and_https_urls_naming_a_host_are_accepted(url):
    assert WebhookChannel(url, "s3cret").url.scheme in ("http", "https")
