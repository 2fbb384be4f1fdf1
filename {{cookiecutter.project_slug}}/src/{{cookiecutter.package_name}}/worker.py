"""The job worker: `python -m {{ cookiecutter.package_name }}.worker` runs the jobs enqueued on Redis.

Run as many as you need, on any machine: each job goes to one of them, is acknowledged once it
has run, and goes to another worker if its worker dies first.
"""

import logging

from taskiq import TaskiqEvents, TaskiqState
from taskiq.acks import AcknowledgeType
from taskiq.cli.worker.args import WorkerArgs
from taskiq.cli.worker.run import start_listen

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.logging import configure_logging
from {{ cookiecutter.package_name }}.db.session import create_engine, create_session_factory
from {{ cookiecutter.package_name }}.emails.notifier import Notifier
from {{ cookiecutter.package_name }}.jobs.context import JobContext
from {{ cookiecutter.package_name }}.jobs.queue import create_jobs

# Jobs one worker runs at a time; run more workers to run more.
CONCURRENT_JOBS = 10


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    # jobs.middleware logs each run, with its outcome; taskiq's own line per run would repeat it.
    logging.getLogger("taskiq.receiver.receiver").setLevel(logging.WARNING)
    jobs = create_jobs(settings, worker=True)
    engine = create_engine(settings.database_url)

    @jobs.broker.on_event(TaskiqEvents.WORKER_STARTUP)
    async def start(state: TaskiqState) -> None:
        jobs.use(JobContext(create_session_factory(engine), Notifier(settings), settings))

    @jobs.broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
    async def stop(state: TaskiqState) -> None:
        await engine.dispose()

    # One process: scale with more workers. On SIGTERM it finishes the jobs it runs, then exits.
    start_listen(
        WorkerArgs(
            broker=jobs.broker,  # type: ignore[arg-type]  # an instance is accepted too
            modules=[],
            configure_logging=False,
            max_async_tasks=CONCURRENT_JOBS,
            ack_type=AcknowledgeType.WHEN_EXECUTED,
            shutdown_timeout=10,
        )
    )


if __name__ == "__main__":
    main()
