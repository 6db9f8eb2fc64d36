"""Run the command line with ``python -m <package>``."""

from .cli import app

if __name__ == "__main__":
    app()
