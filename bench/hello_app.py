"""A bare Flask app with one route: the ceiling the portal's own "hello" is measured against.

gunicorn --chdir bench hello_app:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello"
