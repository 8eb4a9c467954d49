"""HTTP: the service app factory, authentication, problem+json, the gateway of the embedded run."""
