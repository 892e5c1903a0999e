"""Database layer: ORM models (schema), engine and sessionmaker (engine), Alembic
migrations (migrate) and query functions that each take a Session (queries).

At start the app runs ``migrate.upgrade(settings)``, then opens transactions at the edge::

    from db.engine import get_sessionmaker
    from db import experiments

    with get_sessionmaker(settings).begin() as session:
        tests = experiments.list_tests(session)
"""
