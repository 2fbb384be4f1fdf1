"""The alternative the seeds compare against: Flask on gunicorn, /health and the item read.

Synchronous SQLAlchemy (pysqlite or psycopg) with the same query as the other two; the owner
is fixed by BENCH_OWNER_ID, as in the bare FastAPI baseline.
"""

import os

from flask import Flask, abort
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from models import Item, sync_url

OWNER_ID = int(os.environ.get("BENCH_OWNER_ID", "1"))

engine = create_engine(sync_url(os.environ["DATABASE_URL"]))  # one sync worker: one connection
app = Flask(__name__)


@app.get("/health")
def liveness() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/api/v1/items/<int:item_id>")
def read_item(item_id: int) -> dict[str, object]:
    with Session(engine) as session:
        item = session.scalar(select(Item).where(Item.id == item_id, Item.owner_id == OWNER_ID))
    if item is None:
        abort(404)
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description,
        "owner_id": item.owner_id,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }
