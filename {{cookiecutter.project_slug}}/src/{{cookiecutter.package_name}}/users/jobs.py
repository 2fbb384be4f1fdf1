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


async def send_password_changed(
    email: str, full_name: str | None, state: TaskiqState = TaskiqDepends()
) -> None:
    """Tell a user their password changed (sent again if redelivered: harmless)."""
    context: JobContext = state.context
    await context.notifier.send_password_changed(email=email, full_name=full_name)


async def send_email_changed(
    old_email: str, new_email: str, state: TaskiqState = TaskiqDepends()
) -> None:
    """Tell the old address of an account that its email changed."""
    context: JobContext = state.context
    await context.notifier.send_email_changed(old_email=old_email, new_email=new_email)
