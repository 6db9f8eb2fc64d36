"""mlops-new: generate production ML repositories from one questionnaire."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mlops-new")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
