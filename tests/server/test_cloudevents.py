"""CloudEvents over HTTP decoded into podium events (podium.server.cloudevents)."""

from __future__ import annotations

import base64

import pytest

from podium.server import cloudevents


def test_structured_cloudevent_from_http():
    body = b'{"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"a":1}}'
    event = cloudevents.cloudevent_from_http(
        {"Content-Type": "application/cloudevents+json; charset=utf-8"}, body
    )
    assert event["data"] == {"a": 1}
    with pytest.raises(cloudevents.InvalidCloudEvent, match="batch"):
        cloudevents.cloudevent_from_http(
            {"content-type": "application/cloudevents-batch+json"}, b"[]"
        )
    with pytest.raises(cloudevents.InvalidCloudEvent, match="object"):
        cloudevents.cloudevent_from_http({"content-type": "application/cloudevents+json"}, b"[1]")


def test_binary_cloudevent_from_http():
    headers = {
        "Content-Type": "text/plain",
        "CE-SpecVersion": "1.0",
        "ce-id": "42",
        "ce-source": "/a%20b",
        "ce-type": "t",
        "ce-partitionkey": "k",
    }
    event = cloudevents.cloudevent_from_http(headers, "héllo".encode())
    assert event == {
        "specversion": "1.0",
        "id": "42",
        "source": "/a b",
        "type": "t",
        "partitionkey": "k",
        "datacontenttype": "text/plain",
        "data": "héllo",
    }
    raw = cloudevents.cloudevent_from_http(
        {"content-type": "application/octet-stream"}, b"\xff\x00"
    )
    assert raw["data"] == base64.b64encode(b"\xff\x00").decode()
    with pytest.raises(cloudevents.InvalidCloudEvent, match="JSON"):
        cloudevents.cloudevent_from_http({"content-type": "application/json"}, b"{nope")


def test_cloudevent_base64_data():
    encoded = base64.b64encode(b'{"x": 1}').decode()
    assert cloudevents._ce_data(
        {"data_base64": encoded, "datacontenttype": "application/json"}
    ) == {"x": 1}
    assert (
        cloudevents._ce_data(
            {"data_base64": base64.b64encode(b"hi").decode(), "datacontenttype": "text/plain"}
        )
        == "hi"
    )
    assert cloudevents._ce_data({}) is None
    with pytest.raises(cloudevents.InvalidCloudEvent, match="base64"):
        cloudevents._ce_data({"data_base64": "!!!"})
