"""The city's side of the registry: departments and the cross-department team, committees, declared interests."""
