"""A small notes app written only against Flask and its extensions (no hipflask import):
Flask-SQLAlchemy models, Flask-Migrate migrations, Flask-Login sessions, Flask-WTF forms
with CSRF protection, and a blueprint for authentication."""

from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

db = SQLAlchemy()
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def create_app():
    app = Flask(__name__)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, FLASK_SQLALCHEMY_DATABASE_URI
    db.init_app(app)
    migrate.init_app(app, db)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)

    from . import auth, views

    app.register_blueprint(auth.bp)
    app.register_blueprint(views.bp)
    return app
