"""The seeds' minimal application, plus a few of the quickstart's features.

Run it with ``hipflask --app examples/hello run`` (or ``python examples/hello.py``).
"""

from markupsafe import escape

from hipflask import Flask, abort, jsonify, redirect, request, session, url_for

app = Flask(__name__)
app.secret_key = b"demo only: set a random secret key in real applications"


@app.route("/")
def hello_world():
    return "<p>Hello, World!</p>"


@app.route("/hello/<name>")
def hello(name):
    return f"Hello, {escape(name)}!"


@app.route("/post/<int:post_id>")
def show_post(post_id):
    return jsonify(post_id=post_id, url=url_for("show_post", post_id=post_id))


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        session["username"] = request.form["username"]
        return redirect(url_for("whoami"))
    return '<form method="post"><input name="username"><input type="submit" value="Login"></form>'


@app.route("/whoami")
def whoami():
    if "username" not in session:
        abort(401)
    return f"Logged in as {escape(session['username'])}"


if __name__ == "__main__":
    app.run(debug=True)
