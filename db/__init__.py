"""Database layer: ORM models (schema), engine and sessionmaker (engine), Alembic migrations
(migrate) and query functions that each take a Session: imports, experiments, outcomes,
model_versions.

Entry points (app start, CLI start) run ``migrate.upgrade(settings)`` once, then open
transactions at the edge::

    from db.engine import transaction
    from db import experiments

    with transaction(settings) as session:
        tests = experiments.list_tests(session)
"""
