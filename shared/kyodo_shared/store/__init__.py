"""The event store and the service's own tables: eventsourcing environment, database access, migrations."""
