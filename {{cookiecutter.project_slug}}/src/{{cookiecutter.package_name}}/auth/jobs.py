"""Jobs of the auth domain, run by a worker (broker=redis) or in process (broker=none)."""

from taskiq import TaskiqDepends, TaskiqState

from {{ cookiecutter.package_name }}.auth import passwords
from {{ cookiecutter.package_name }}.jobs.context import JobContext


async def send_password_reset(
    email: str, request_id: str, state: TaskiqState = TaskiqDepends()
) -> None:
    """Email a reset link to the active account with this email, if there is one.

    A job, after the response: whether the account exists changes neither the answer nor its
    timing. The token is committed once the email is out, with `request_id`: a failed send
    leaves none behind, and a job delivered again after a success sends nothing.
    """
    context: JobContext = state.context
    async with context.session_factory() as session:
        reset = await passwords.start_password_reset(session, email, request_id, context.settings)
        if reset is None:
            return
        user, token = reset
        await context.notifier.send_password_reset(
            email=user.email, full_name=user.full_name, token=token
        )
        await session.commit()
