"""The service's jobs, registered on one taskiq broker."""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection
from taskiq import AsyncBroker{% if cookiecutter.broker == "none" %}, InMemoryBroker{% endif %}

from {{ cookiecutter.package_name }}.auth import jobs as auth_jobs
{% if cookiecutter.broker == "redis" -%}
from {{ cookiecutter.package_name }}.broker.jobs import StreamBroker
{% endif -%}
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.jobs.context import JobContext
from {{ cookiecutter.package_name }}.jobs.middleware import BackoffRetryMiddleware, JobObserver
from {{ cookiecutter.package_name }}.users import jobs as user_jobs

# A failed job is tried this many times in all, 1, 2, 6, 24 and 60 s apart.
MAX_ATTEMPTS = 6


class Jobs:
    """`await jobs.send_welcome.kiq(user_id)` enqueues; routes do it from a BackgroundTask."""

    def __init__(self, broker: AsyncBroker) -> None:
        broker.add_middlewares(
            JobObserver(),
            BackoffRetryMiddleware(
                default_retry_count=MAX_ATTEMPTS, default_delay=1, use_delay_exponent=True
            ),
        )
        self.broker = broker
        self.send_welcome = broker.register_task(
            user_jobs.send_welcome, task_name="users.send_welcome", retry_on_error=True
        )
        self.send_password_changed = broker.register_task(
            user_jobs.send_password_changed,
            task_name="users.send_password_changed",
            retry_on_error=True,
        )
        self.send_email_changed = broker.register_task(
            user_jobs.send_email_changed, task_name="users.send_email_changed", retry_on_error=True
        )
        self.send_password_reset = broker.register_task(
            auth_jobs.send_password_reset, task_name="auth.send_password_reset", retry_on_error=True
        )

    def use(self, context: JobContext) -> None:
        """Give the jobs this process runs their database and notifier."""
        self.broker.state.context = context


def create_jobs(settings: Settings, *, worker: bool = False) -> Jobs:
{%- if cookiecutter.broker == "redis" %}
    """Jobs on Redis Streams: enqueued here, run by `python -m {{ cookiecutter.package_name }}.worker`."""
    return Jobs(StreamBroker(settings, worker=worker))
{%- else %}
    """Jobs run in this process, in the BackgroundTask that enqueues them (broker=none)."""
    return Jobs(InMemoryBroker(await_inplace=True))
{%- endif %}


async def get_jobs(connection: HTTPConnection) -> Jobs:
    jobs: Jobs = connection.app.state.jobs
    return jobs


JobsDep = Annotated[Jobs, Depends(get_jobs)]
