"""Background tasks a replica runs: leases, durable timers, projections of the service's own log."""
