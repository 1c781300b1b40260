"""Extension objects, created once and bound to the app in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData, TextClause
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic migrations can alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


WROTE = "portal.wrote"  # in Session.info: the transaction has sent a change


def may_write(statement) -> bool:
    """Whether a statement may change rows: DML, or raw SQL that is not a SELECT."""
    if isinstance(statement, TextClause):
        return not statement.text.lstrip()[:6].upper().startswith("SELECT")
    return getattr(statement, "is_dml", False)


class Session(FlaskSQLAlchemySession):
    """Notes each statement sent through it that may change rows (flushes are noted by
    portal/db.py): a request whose transaction changed nothing needs no COMMIT."""

    def execute(self, statement, *args, **kwargs):
        if may_write(statement):
            self.info[WROTE] = True
        return super().execute(statement, *args, **kwargs)

    def scalar(self, statement, *args, **kwargs):
        if may_write(statement):
            self.info[WROTE] = True
        return super().scalar(statement, *args, **kwargs)

    def scalars(self, statement, *args, **kwargs):
        if may_write(statement):
            self.info[WROTE] = True
        return super().scalars(statement, *args, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
