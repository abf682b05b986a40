from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required, login_user, logout_user

from . import db
from .forms import CredentialsForm
from .models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = CredentialsForm()
    if form.validate_on_submit():
        if db.session.execute(db.select(User).filter_by(username=form.username.data)).first():
            flash("That name is taken.")
        else:
            user = User(username=form.username.data)
            user.set_password(form.password.data)
            db.session.add(user)
            db.session.commit()
            flash("Registered; please log in.")
            return redirect(url_for("auth.login"))
    return render_template("form.html", form=form, title="Register")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = CredentialsForm()
    if form.validate_on_submit():
        user = db.session.execute(
            db.select(User).filter_by(username=form.username.data)
        ).scalar_one_or_none()
        if user is not None and user.check_password(form.password.data):
            login_user(user)
            return redirect(url_for("views.notes"))
        flash("Wrong name or password.")
    return render_template("form.html", form=form, title="Log in")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
