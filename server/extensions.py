"""Extension singletons (each is bound to the app in create_app) and the API blueprint class."""
import threading

import flask_smorest
from flask import current_app, request
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from marshmallow import RAISE
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from webargs.flaskparser import FlaskParser, is_json_request

from server.dbsession import AppSession
from server.errors import BadRequest, ErrorOut, Unprocessable

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# No expiry on commit: an object is not re-read after commit (the services return what they wrote).
db = SQLAlchemy(model_class=Base, session_options={"class_": AppSession, "expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)


def is_postgresql() -> bool:
    """Whether the app's database is PostgreSQL, asked of the engine: asking the session (`get_bind()`) builds a
    session for a request that may never use one, a twentieth of a check-in's CPU."""
    return db.engine.dialect.name == "postgresql"


class DocumentedApi(Api):
    """flask-smorest's Api, except that every documented error response is the service's ErrorOut
    (flask-smorest's own Error schema has an integer `code` the service never sends), and that a blueprint's
    views are written into the OpenAPI document when the document is first read rather than when the blueprint
    is registered: describing every view was four fifths of `create_app`, which every worker, CLI command and
    test pays, while the document is read by /api/docs alone. The document is the same."""

    ERROR_SCHEMA = ErrorOut
    _documenting = threading.RLock()

    @property
    def spec(self):
        with self._documenting:
            undocumented, self._undocumented = self._undocumented, []
            for blp, name, parameters in undocumented:
                blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):  # Api.__init__ and init_app set it: a new document, nothing yet to describe
        self._spec, self._undocumented = value, []

    def register_blueprint(self, blp, *, parameters=None, **options):
        """flask-smorest's, with the views' description left for the first read of `spec`."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))


api = DocumentedApi()


class JsonBodyParser(FlaskParser):
    """webargs' parser, except that a body which is not JSON is refused (400) instead of read as empty, and a
    query parameter the endpoint's schema does not name is refused (422) instead of silently dropped."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req):
        if not is_json_request(req) and req.get_data(cache=True):
            raise BadRequest("请求格式不正确，请发送 JSON")
        return super()._raw_load_json(req)


def refuse_unexpected_query() -> None:
    """An endpoint without a query schema takes no query parameters: `?month=` it would ignore is 422,
    as an unknown parameter is for an endpoint with one (StrictSchema), rather than an answer for another month."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    takes_query = any(p.get("in") == "query" for p in parameters)
    if request.args and request.path.startswith("/api/") and view is not None and not takes_query:
        raise Unprocessable(errors={name: ["不支持此字段"] for name in request.args})


class Blueprint(flask_smorest.Blueprint):
    """The API blueprint every feature uses (CONTRACT §3: a body that is not JSON is 400 bad_request;
    a query parameter the endpoint does not take is 422)."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(refuse_unexpected_query)

    def arguments(self, schema, *args, **kwargs):
        """flask-smorest's, with a schema class made an instance once: webargs instantiates a class on every
        request (a deep copy of its fields, about a twentieth of a check-in's CPU); the document is the same."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
