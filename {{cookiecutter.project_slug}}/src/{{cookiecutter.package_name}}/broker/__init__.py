"""Redis, shared by every process of the service: item events, login limits and durable jobs."""
