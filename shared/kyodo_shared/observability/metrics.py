"""Prometheus metrics of the kernel, one registry per service so several services can share a process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class KernelMetrics:
    """Relay, consumer, background task and HTTP metrics of one service."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.bus_refused = Counter(
            "kyodo_bus_refused_total",
            "Requests and publishes NATS refused for want of a permission (bus/refusals.py).",
            ["service"],
            registry=r,
        )
        self.relay_published = Counter(
            "kyodo_relay_published_total", "Contract events published to the stream.", ["service"], registry=r
        )
        self.relay_sequence = Gauge("kyodo_relay_sequence", "Last source sequence published.", ["service"], registry=r)
        self.relay_errors = Counter(
            "kyodo_relay_errors_total",
            "Relay batches that failed and were reconciled.",
            ["service"],
            registry=r,
        )
        self.consumer_applied = Counter(
            "kyodo_consumer_applied_total", "Messages whose effect was committed.", ["source"], registry=r
        )
        self.consumer_duplicates = Counter(
            "kyodo_consumer_duplicates_total",
            "Redelivered messages acked without effect.",
            ["source"],
            registry=r,
        )
        self.consumer_held = Counter(
            "kyodo_consumer_held_total", "Messages held behind a gap in the sequence.", ["source"], registry=r
        )
        self.consumer_failures = Counter(
            "kyodo_consumer_failures_total", "Handler failures (each retried later).", ["source"], registry=r
        )
        self.consumer_parked = Gauge(
            "kyodo_consumer_parked",
            "1 while the source is stopped on a parked message.",
            ["source"],
            registry=r,
        )
        self.consumer_sequence = Gauge(
            "kyodo_consumer_tracked_sequence", "Last source sequence applied.", ["source"], registry=r
        )
        # Present (1) only while a background task cannot make progress; absent otherwise (see tasks/health.py).
        self.task_blocked = Gauge(
            "kyodo_task_blocked",
            "1 while a background task is blocked (reason: machine-readable cause; see /readyz for the hint).",
            ["service", "task", "reason"],
            registry=r,
        )
        self.timers_failing = Gauge(
            "kyodo_timers_failing",
            "Due durable timers whose last attempt failed (retried; /readyz lists the oldest with its error).",
            ["service"],
            registry=r,
        )
        self.http_requests = Counter(
            "kyodo_http_requests_total",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "kyodo_http_request_seconds", "HTTP request latency.", ["method", "route"], registry=r
        )
