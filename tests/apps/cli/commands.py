"""Custom commands: app.cli.command, app.cli.group, with_appcontext, AppGroup."""

import click

from hipflask import Flask, current_app
from hipflask.cli import AppGroup, with_appcontext

app = Flask(__name__)
app.config["GREETING"] = "configured hello"


@app.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id):
    return str(user_id)


@app.route("/about")
def about():
    return "about"


@app.cli.command("hello")
@click.option("--name", default="World")
def hello_command(name):
    click.echo(f"Hello, {name} from {current_app.name}!")


@app.cli.group()
def db():
    """Database commands."""


@db.command("init")
def db_init():
    click.echo(f"init {current_app.config['GREETING']}")


tools = AppGroup("tools")


@tools.command("where")
def where():
    click.echo(f"tools in {current_app.name}")


app.cli.add_command(tools)


@click.command("plain")
@with_appcontext
def plain():
    click.echo(f"plain in {current_app.name}")


app.cli.add_command(plain)
