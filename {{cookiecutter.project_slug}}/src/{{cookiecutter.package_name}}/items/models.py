from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.db.base import Base, TimestampMixin


class Item(TimestampMixin, Base):
    __tablename__ = "items"
    # Serves "this owner's items, newest first" and its keyset pages from the index alone.
    __table_args__ = (Index("ix_items_owner_id_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
