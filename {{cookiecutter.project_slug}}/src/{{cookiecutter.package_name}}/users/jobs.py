"""Jobs of the users domain, run by a worker (broker=redis) or in process (broker=none)."""

from taskiq import TaskiqDepends, TaskiqState

from {{ cookiecutter.package_name }}.jobs.context import JobContext
from {{ cookiecutter.package_name }}.users import service


async def send_welcome(user_id: int, state: TaskiqState = TaskiqDepends()) -> None:
    """Welcome a new user once, however many times the job is delivered.

    The user row records the welcome in the same transaction that sends it: a job redelivered
    after a success finds it recorded; one whose worker died mid-way finds it not, and sends.
    """
    context: JobContext = state.context
    async with context.session_factory() as session:
        recipient = await service.claim_welcome(session, user_id)
        if recipient is None:
            return
        await context.notifier.send_welcome(email=recipient.email, full_name=recipient.full_name)
        await session.commit()
