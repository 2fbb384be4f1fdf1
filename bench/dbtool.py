"""Database chores of the benchmark, run with the baseline's interpreter (it has SQLAlchemy).

dbtool.py create URL | drop URL          a PostgreSQL database of the benchmark's own
dbtool.py seed URL OWNER COUNT           bulk-insert COUNT items for OWNER; prints JSON
dbtool.py trim URL OWNER                 delete every item not OWNER's; prints JSON
"""

import json
import sys
import time

from sqlalchemy import bindparam, create_engine, delete, func, make_url, select, text

from models import Item, UTCDateTime, sync_url, utcnow

# One statement: the database generates the rows itself, so a million take seconds.
SEED = text(
    """
    INSERT INTO items (title, description, owner_id, created_at, updated_at)
    WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count)
    SELECT 'Seeded item ' || n, 'Inserted in bulk by the benchmark', :owner, :now, :now FROM seq
    """
).bindparams(bindparam("now", type_=UTCDateTime()))


def admin(url: str, statement: str) -> None:
    """Run CREATE or DROP DATABASE from the server's `postgres` database."""
    name = make_url(url).database
    server = make_url(sync_url(url)).set(database="postgres")
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement.format(name=name)))
    engine.dispose()


def seed(url: str, owner: int, count: int) -> dict[str, float | int]:
    """Bulk-insert, then refresh the planner's statistics (and on PostgreSQL the visibility map)
    as after any bulk load: otherwise autovacuum does it in the middle of the measurement."""
    engine = create_engine(sync_url(url), isolation_level="AUTOCOMMIT")
    maintenance = "VACUUM ANALYZE items" if engine.dialect.name == "postgresql" else "ANALYZE"
    start = time.perf_counter()
    with engine.connect() as connection:
        with connection.begin():
            connection.execute(SEED, {"count": count, "owner": owner, "now": utcnow()})
        connection.execute(text(maintenance))
        seconds = time.perf_counter() - start
        total = connection.scalar(select(func.count()).select_from(Item))
        first = connection.scalar(select(func.min(Item.id)).where(Item.owner_id == owner))
    engine.dispose()
    return {"seconds": seconds, "items": total or 0, "first_id": first or 0}


def trim(url: str, owner: int) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    with engine.begin() as connection:
        connection.execute(delete(Item).where(Item.owner_id != owner))
        total = connection.scalar(select(func.count()).select_from(Item))
    engine.dispose()
    return {"items": total or 0}


def main(command: str, url: str, *args: str) -> None:
    if command == "create":
        admin(url, 'CREATE DATABASE "{name}"')
    elif command == "drop":
        admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    elif command == "seed":
        print(json.dumps(seed(url, int(args[0]), int(args[1]))))
    elif command == "trim":
        print(json.dumps(trim(url, int(args[0]))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(*sys.argv[1:])
