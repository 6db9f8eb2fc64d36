"""How a component hands a step the file of an input artifact.

A step writes its output beside its input (``validate`` writes ``validated.parquet`` beside
``raw.parquet``). In a KFP component the output must land in the component's own output artifact
directory, and an input artifact is the upstream component's output: on a cluster, a download or
a bucket mount that is never uploaded again. So the input file is first put into the output
directory, and the step reads it there and writes its output beside it.
"""

import shutil
from pathlib import Path


def stage(artifact_path: str, name: str, output_path: str) -> str:
    """Put ``<artifact_path>/<name>`` into the directory ``output_path``; return its new path.

    A hard link costs neither time nor space where both directories share a filesystem (always
    with ``kfp.local``, usually in a pod); across filesystems the file is copied. A retried
    component finds the file already there and replaces it.
    """
    source = Path(artifact_path) / name
    target = Path(output_path) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        target.hardlink_to(source)
    except OSError:
        shutil.copy2(source, target)
    return str(target)


def artifact_file(artifact_path: str, name: str) -> str:
    """The path of file ``name`` inside an artifact directory, for a step that only reads it."""
    return str(Path(artifact_path) / name)
