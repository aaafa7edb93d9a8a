"""Home Infusion Visit Tracker: the application factory."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ProductionConfig, config_from_env
from tracker.routing import RecordIdConverter


def create_app(config: type[Config] | None = None) -> Flask:
    config = config or config_from_env()
    required = config.required_settings() if issubclass(config, ProductionConfig) else {}
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.from_object(config)
    app.config.update(required)
    # Before any blueprint adds its rules: every <int:...> in a URL is a bounded record id.
    app.url_map.converters["int"] = RecordIdConverter
    if app.config.get("TRUST_PROXY_HOPS"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUST_PROXY_HOPS"],
                                x_proto=app.config["TRUST_PROXY_HOPS"])

    if app.config.get("FAST_PASSWORD_HASHING"):
        from tracker.auth.passwords import use_fast_hashing_for_tests

        use_fast_hashing_for_tests()
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    if app.config.get("SQL_QUERY_COUNT_HEADER"):
        from tracker.instrumentation import count_queries

        count_queries(app)
    start_reminder_dispatcher(app)
    return app


def start_reminder_dispatcher(app: Flask) -> None:
    """Only under the development server with SCHEDULER_IN_PROCESS=1 (see the README);
    production runs `flask scheduler run` as its own process, tests never start it."""
    from tracker.reminders.scheduler import start_in_process

    start_in_process(app)


def register_extensions(app: Flask) -> None:
    from tracker.auth.services import load_user
    from tracker.database import configure_engine_events
    from tracker.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    from tracker import api
    from tracker.admin.routes import bp as admin_bp
    from tracker.alerts.routes import bp as alerts_bp
    from tracker.auth.routes import bp as auth_bp
    from tracker.history import export_routes  # noqa: F401  (registers on the history bp)
    from tracker.history.routes import bp as history_bp
    from tracker.main.routes import bp as main_bp
    from tracker.patients.routes import bp as patients_bp
    from tracker.procedures.routes import bp as procedures_bp
    from tracker.visits import clinical_routes, routes  # noqa: F401  (they register on bp)
    from tracker.visits.blueprint import bp as visits_bp

    for bp in (main_bp, auth_bp, admin_bp, patients_bp, procedures_bp, alerts_bp, visits_bp,
               history_bp):
        app.register_blueprint(bp)
    api.init_app(app)  # the JSON API and the Devices page for its tokens

    # Checklists and reminders: blueprints, visit signal receivers (connected on import),
    # the patient home page, the visit page's preparation section, the demo seeder.
    from tracker.checklists.install import install as install_checklists
    from tracker.reminders.install import install as install_reminders

    install_checklists(app)
    install_reminders(app)

    # Offline capture on the nurse's tablet: the service worker route, the browser's API
    # token, and the visit page's forms kept ready for a check-in made offline.
    from tracker.offline.install import install as install_offline

    install_offline(app)


def register_request_hooks(app: Flask) -> None:
    from tracker.auth.sessions import check_session_limits
    from tracker.authz import enforce_declared_roles
    from tracker.security import set_security_headers

    app.before_request(check_session_limits)
    app.before_request(enforce_declared_roles)
    app.after_request(set_security_headers)


def register_errorhandlers(app: Flask) -> None:
    from tracker.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from tracker.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from tracker.cli import register

    register(app)
