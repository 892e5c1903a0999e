"""ORM models, one class per table.

Timestamps are stored in UTC and come back as timezone-aware UTC datetimes on every
backend (SQLite keeps no offset, so :class:`UtcDateTime` adds it back on the way out).
The migration in ``db/migrations/versions`` creates exactly these tables; a test checks
that the two agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from core.basics.text import name_problem


def checked_name(name: str | None) -> str | None:
    """A person's name as stored; ValueError (the one rule, core.basics.text.name_problem) for one
    that cannot be, so that no path writes it (a 600-character name broke PostgreSQL's column)."""
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


TEST_SOURCES = ("upworthy", "ars", "outcomes", "editor")
MODEL_STATUSES = ("candidate", "active", "retired")
MODEL_ACTIONS = ("register", "promote", "rollback", "override")

# Named constraints, so later migrations can drop or alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator):
    """An aware datetime, stored as UTC; naive datetimes are refused (their zone is unknown)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Import(Base):
    """One imported file; its sha256 makes importing the same bytes again a no-op."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    rows_read: Mapped[int]
    tests_added: Mapped[int]
    arms_added: Mapped[int]
    rows_skipped: Mapped[int]
    # {reason: {"count": n, "rows": [first row numbers]}}
    skipped: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Test(Base):
    """An A/B test: archive tests come from imports, editor tests from the Compare page."""

    __tablename__ = "tests"
    __table_args__ = (CheckConstraint(_one_of("source", TEST_SOURCES), name="source"),)
    __test__ = False  # not a pytest test class, despite the name

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<source>:<id in source>", e.g. "upworthy:546d...", "ars:123", "editor:<uuid>"
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    # An editor test's number among the newsroom's own tests, 1, 2, 3, … in the order saved
    # (db.experiments.create_test); empty for archive tests. Its id also counts the thousands of
    # archive tests imported first, which made a newsroom's first test "#4217". A deleted test is
    # only marked, so it keeps its number, and a number never changes.
    number: Mapped[int | None] = mapped_column(unique=True, index=True)
    # Story excerpt shared by all arms (editor tests); archive arms carry their own.
    excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(100))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # Deleted by an editor: kept (who and when), but no longer listed, judged or trained on.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    deleted_by: Mapped[str | None] = mapped_column(String(100))

    @validates("created_by", "deleted_by")
    def _name(self, _key: str, name: str | None) -> str | None:
        return checked_name(name)

    # Loaded eagerly: pages use tests after their transaction has ended.
    arms: Mapped[list[Arm]] = relationship(
        back_populates="test", order_by="Arm.position", lazy="selectin", cascade="all, delete-orphan"
    )
    predictions: Mapped[list[Prediction]] = relationship(
        order_by="Prediction.id", lazy="selectin", cascade="all, delete-orphan"
    )
    # The recordings that count (an undone one is left out); every recording, undone ones too,
    # is in ``outcome_log``.
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="test",
        primaryjoin="and_(Test.id == Outcome.test_id, Outcome.undone_at.is_(None))",
        order_by="Outcome.id",
        lazy="selectin",
        cascade="all, delete-orphan",
    )
    outcome_log: Mapped[list[Outcome]] = relationship(order_by="Outcome.id", lazy="selectin", viewonly=True)

    @property
    def latest_outcome(self) -> Outcome | None:
        """The outcome that counts: re-recording adds a row, the last one wins."""
        return self.outcomes[-1] if self.outcomes else None


class Arm(Base):
    """One headline shown in a test; impressions and clicks stay empty until an outcome."""

    __tablename__ = "arms"
    __table_args__ = (
        UniqueConstraint("test_id", "position"),
        CheckConstraint("(impressions IS NULL) = (clicks IS NULL)", name="counts_together"),
        CheckConstraint("impressions IS NULL OR impressions > 0", name="impressions_positive"),
        CheckConstraint("clicks IS NULL OR (clicks >= 0 AND clicks <= impressions)", name="clicks_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    headline: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[str | None] = mapped_column(String(100))
    lede_id: Mapped[str | None] = mapped_column(String(64))
    impressions: Mapped[int | None]
    clicks: Mapped[int | None]
    date: Mapped[date | None] = mapped_column(Date)

    test: Mapped[Test] = relationship(back_populates="arms")


class Prediction(Base):
    """What a model said about one arm when the test was saved."""

    __tablename__ = "predictions"
    __table_args__ = (
        CheckConstraint("win_probability >= 0 AND win_probability <= 1", name="win_probability_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), index=True)
    arm_id: Mapped[int] = mapped_column(ForeignKey("arms.id", ondelete="CASCADE"), index=True)
    # Not a foreign key: the bundled default model is used before anything is registered.
    model_version: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    # The model's probability that this arm wins the test.
    win_probability: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # True when the model scored the headlines only as the outcome was being recorded (a
    # test not saved on Compare first): made after the test ran, so not a forecast.
    at_recording: Mapped[bool] = mapped_column(default=False, server_default=false())

    arm: Mapped[Arm] = relationship()


class Outcome(Base):
    """One recording of a test's real result; the latest recording counts."""

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint("p_value IS NULL OR (p_value >= 0 AND p_value <= 1)", name="p_value_range"),
        CheckConstraint(
            "predicted_win_probability IS NULL OR "
            "(predicted_win_probability >= 0 AND predicted_win_probability <= 1)",
            name="predicted_win_probability_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("tests.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    p_value: Mapped[float | None] = mapped_column(Float)
    significant: Mapped[bool]
    # Empty when no arm won significantly.
    winner_arm_id: Mapped[int | None] = mapped_column(ForeignKey("arms.id"))
    predicted_arm_id: Mapped[int | None] = mapped_column(ForeignKey("arms.id"))
    model_version: Mapped[str | None] = mapped_column(String(100), index=True)
    predicted_win_probability: Mapped[float | None] = mapped_column(Float)
    model_correct: Mapped[bool | None]
    # The judged prediction was made at recording time (see Prediction.at_recording); empty
    # without a prediction. Live accuracy leaves these out unless asked to include them.
    prediction_at_recording: Mapped[bool | None]
    # The counts of this recording, [[arm id, impressions, clicks], ...] in arm order: a
    # correction keeps the old numbers, and undo restores them.
    counts: Mapped[list[Any] | None] = mapped_column(JSON)
    # Undone (by whom, when): kept in the log, no longer counts.
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(100))

    @validates("recorded_by", "undone_by")
    def _name(self, _key: str, name: str | None) -> str | None:
        return checked_name(name)

    test: Mapped[Test] = relationship(back_populates="outcomes")


class ModelVersion(Base):
    """A trained model; at most one is active (a partial unique index guarantees it)."""

    __tablename__ = "model_versions"
    __table_args__ = (
        CheckConstraint(_one_of("status", MODEL_STATUSES), name="status"),
        Index(
            "uq_model_versions_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(String(500))
    base_model: Mapped[str] = mapped_column(String(200))
    # Which tests it was trained on: counts from the archive vs editors, ids, hashes.
    data_fingerprint: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    git_commit: Mapped[str | None] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ModelEvent(Base):
    """Audit log of the registry: who registered, promoted or rolled back what, and why."""

    __tablename__ = "model_events"
    __table_args__ = (CheckConstraint(_one_of("action", MODEL_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key, like predictions.model_version.
    version: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)

    @validates("by")
    def _name(self, _key: str, name: str | None) -> str | None:
        return checked_name(name)
