"""Two applications and no `app` name: discovery must ask which one."""

from hipflask import Flask

first = Flask("first")
second = Flask("second")
