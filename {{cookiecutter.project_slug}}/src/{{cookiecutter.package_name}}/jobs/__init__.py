"""Background jobs with taskiq, enqueued by routes from FastAPI's BackgroundTasks."""
