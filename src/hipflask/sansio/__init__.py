"""The framework core that does no I/O (Flask's ``flask.sansio``): the app and scaffold
base classes that hold configuration, registries and URL building, shared by the WSGI
:class:`~hipflask.app.Flask` and the blueprints."""
