from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from . import db
from .forms import NoteForm
from .models import Note

bp = Blueprint("views", __name__)


@bp.route("/", methods=["GET", "POST"])
@login_required
def notes():
    form = NoteForm()
    if form.validate_on_submit():
        db.session.add(Note(body=form.body.data, author=current_user))
        db.session.commit()
        return redirect(url_for("views.notes"))
    mine = db.session.execute(
        db.select(Note).filter_by(user_id=current_user.id).order_by(Note.id)
    ).scalars()
    return render_template("notes.html", form=form, notes=list(mine))
