"""The baseline: the generated service's /health and item endpoints with nothing around them.

No middleware and no authentication (the owner is fixed by BENCH_OWNER_ID, the creator of new
items by BENCH_WRITER_ID); the same SQLAlchemy queries, session handling and response models,
and the same routing: a router per domain, the API's under /api/v1 (each include_router level
costs FastAPI a route match of its own). Served by the same uvicorn with the same options, so
the difference is what the generated service adds: middleware and authentication.

No documentation routes either, as the generated service in production (the benchmark's
ENVIRONMENT): FastAPI registers them ahead of every other route, so each would cost this app a
route match per request that the generated one does not pay (3% of /health).
"""

import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from models import Item

OWNER_ID = int(os.environ.get("BENCH_OWNER_ID", "1"))
WRITER_ID = int(os.environ.get("BENCH_WRITER_ID", str(OWNER_ID)))


class HealthStatus(BaseModel):
    status: str = "ok"


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str | None
    owner_id: int
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_cursor: str | None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The generated service's pool size: with 16 concurrent requests neither app opens a
    # connection per request (SQLAlchemy's default pool would), so the ratio shows per-request work.
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=20)
    app.state.session_factory = async_sessionmaker(engine, expire_on_commit=False)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None)
health = APIRouter(prefix="/health")
items = APIRouter(prefix="/items")


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.session_factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@health.get("")
async def liveness() -> HealthStatus:
    return HealthStatus()


@items.get("", response_model=ItemPage)
async def list_items(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> ItemPage:
    query = select(Item).where(Item.owner_id == OWNER_ID).order_by(Item.id.desc())
    rows = list(await session.scalars(query.limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = base64.urlsafe_b64encode(f"id:{rows[-1].id}".encode()).decode().rstrip("=")
    return ItemPage(items=[ItemRead.model_validate(row) for row in rows], next_cursor=next_cursor)


@items.get("/{item_id}", response_model=ItemRead)
async def read_item(item_id: int, session: SessionDep) -> Item:
    item = await session.scalar(select(Item).where(Item.id == item_id, Item.owner_id == OWNER_ID))
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Item not found")
    return item


@items.post("", response_model=ItemRead, status_code=status.HTTP_201_CREATED)
async def create_item(data: ItemCreate, session: SessionDep) -> Item:
    item = Item(owner_id=WRITER_ID, **data.model_dump())
    session.add(item)
    await session.commit()
    return item


api = APIRouter(prefix="/api/v1")
api.include_router(items)
app.include_router(health)
app.include_router(api)
