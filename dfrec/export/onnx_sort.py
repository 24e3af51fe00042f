"""`aten.sort.stable` in plain ONNX ops, so that Algorithm 1's stable argsort exports.

Neither torch exporter translates a stable sort, and ONNX TopK's tie order is not kept by every
runtime (TensorRT). Here the sorted position of element i is counted directly:

    rank_i = #{j : x_j before x_i} + #{j < i : x_j == x_i}

("before" is > for descending, < for ascending), which is exactly the stable order; the indices
are the inverse permutation of the ranks and the values a gather. Only comparisons, casts, sums
and a gather: every runtime computes the same permutation. Cost O(n^2) per row (n = patches).
"""

from __future__ import annotations

from onnxscript import opset18 as op

INT64 = 7  # onnx.TensorProto.INT64


def stable_sort_last_axis(values, descending: bool):
    """values (..., n) -> (sorted values (..., n), indices (..., n) int64), ties in index order."""
    count = op.Squeeze(op.Shape(values, start=-1))
    positions = op.Range(op.Constant(value_int=0), count, op.Constant(value_int=1))  # (n,)
    row = op.Unsqueeze(values, op.Constant(value_ints=[-1]))  # (..., n_i, 1)
    column = op.Unsqueeze(values, op.Constant(value_ints=[-2]))  # (..., 1, n_j)
    before = op.Greater(column, row) if descending else op.Less(column, row)
    earlier = op.Less(  # (n_i, n_j): j < i
        op.Unsqueeze(positions, op.Constant(value_ints=[0])),
        op.Unsqueeze(positions, op.Constant(value_ints=[1])),
    )
    ahead = op.Or(before, op.And(op.Equal(column, row), earlier))
    rank = op.ReduceSum(
        op.Cast(ahead, to=INT64), op.Constant(value_ints=[-1]), keepdims=0
    )  # (..., n_i): where element i goes
    lands = op.Equal(op.Unsqueeze(rank, op.Constant(value_ints=[-1])), positions)  # (..., i, r)
    indices = op.ReduceSum(
        op.Mul(op.Cast(lands, to=INT64), op.Unsqueeze(positions, op.Constant(value_ints=[-1]))),
        op.Constant(value_ints=[-2]),
        keepdims=0,
    )  # (..., n_r): which element lands at r
    return op.GatherElements(values, indices, axis=-1), indices


def aten_sort_stable(self, stable: bool | None = None, dim: int = -1, descending: bool = False):
    """Translation of `torch.ops.aten.sort.stable` for `torch.onnx.export(dynamo=True)`."""
    rank = len(self.shape)
    if dim not in (-1, rank - 1):
        raise NotImplementedError(f"stable sort exports along the last axis only, not dim={dim}")
    return stable_sort_last_axis(self, descending)
