"""Arrow columns to NumPy arrays and back, without pandas for plain numbers.

pyarrow's own conversions (``Array.to_numpy``, ``pa.array``, ``pq.read_table``) import pandas the
first time they run, about 0.3 s, to look for pandas types, even when none is involved. Loading the
champion and scoring a batch only ever convert plain numbers without missing values: those are
read from and wrapped around the Arrow buffers directly, which is also zero-copy. Anything else
(missing values, text, dates) goes through pyarrow's conversion.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

# Arrow types whose values buffer is exactly a NumPy array of this dtype.
_NUMPY_DTYPES: dict[pa.DataType, np.dtype[Any]] = {
    pa.float64(): np.dtype(np.float64),
    pa.float32(): np.dtype(np.float32),
    pa.int64(): np.dtype(np.int64),
    pa.int32(): np.dtype(np.int32),
    pa.int16(): np.dtype(np.int16),
    pa.int8(): np.dtype(np.int8),
    pa.uint64(): np.dtype(np.uint64),
    pa.uint32(): np.dtype(np.uint32),
    pa.uint16(): np.dtype(np.uint16),
    pa.uint8(): np.dtype(np.uint8),
}
_ARROW_TYPES: dict[np.dtype[Any], pa.DataType] = {
    dtype: arrow for arrow, dtype in _NUMPY_DTYPES.items()
}


def to_numpy(column: pa.Array | pa.ChunkedArray) -> npt.NDArray[Any]:
    """The values of ``column``; missing values become NaN (through pyarrow's conversion)."""
    if isinstance(column, pa.ChunkedArray):
        if column.num_chunks == 1:
            return to_numpy(column.chunk(0))
        if column.num_chunks > 1:
            return np.concatenate([to_numpy(chunk) for chunk in column.chunks])
    else:
        dtype = _NUMPY_DTYPES.get(column.type)
        if dtype is not None and column.null_count == 0:
            # buffers() is [validity bitmap, values]; a slice starts ``offset`` values in.
            values = column.buffers()[1]
            return np.frombuffer(
                values, dtype=dtype, count=len(column), offset=column.offset * dtype.itemsize
            )
    converted: npt.NDArray[Any] = column.to_numpy(zero_copy_only=False)
    return converted


def to_arrow(values: npt.NDArray[Any]) -> pa.Array:
    """An Arrow array of the one-dimensional ``values`` (NaN stays NaN, not missing)."""
    arrow_type = _ARROW_TYPES.get(values.dtype)
    if arrow_type is None or values.ndim != 1:
        return pa.array(values)
    contiguous = np.ascontiguousarray(values)
    # The Arrow array keeps a reference to the NumPy array behind its buffer.
    return pa.Array.from_buffers(arrow_type, len(contiguous), [None, pa.py_buffer(contiguous)])
