# Read by `hipflask` (as by `flask`): the app and its settings, Flask's variable names.
FLASK_APP=notes:create_app
FLASK_SECRET_KEY="dropin-test-secret-key-0123456789abcdef"
FLASK_SQLALCHEMY_DATABASE_URI="sqlite:///notes.db"
