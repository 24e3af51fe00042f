"""Read a frozen TensorFlow GraphDef (.pb) without TensorFlow.

The few protobuf messages needed (GraphDef, NodeDef, AttrValue, TensorProto, TensorShapeProto)
are declared here with the same field numbers as TensorFlow's .proto files, so plain `protobuf`
parses the file. Fields the loaders do not use are left out; protobuf skips them when parsing.
Enums (DataType) are declared as int32, which has the same wire encoding.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError

from dfrec.pretrained.package_files import PretrainedFileError

_F = descriptor_pb2.FieldDescriptorProto
_PACKAGE = "dfrec_tf_graph"

# TensorFlow DataType numbers -> numpy dtypes (only those a frozen inference graph uses).
_NUMPY_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 10: np.bool_}
_VALUE_FIELDS = {1: "float_val", 2: "double_val", 3: "int_val", 9: "int64_val", 10: "bool_val"}

# Messages whose fields all belong to one `oneof value` (as AttrValue's do in TensorFlow).
_ONEOF_MESSAGES = {"AttrValue"}

# message name -> [(field name, number, type, repeated, message type name)]
_SCHEMA = {
    "Dim": [("size", 1, _F.TYPE_INT64, False, None)],
    "Shape": [("dim", 2, _F.TYPE_MESSAGE, True, "Dim")],
    "Tensor": [
        ("dtype", 1, _F.TYPE_INT32, False, None),
        ("tensor_shape", 2, _F.TYPE_MESSAGE, False, "Shape"),
        ("tensor_content", 4, _F.TYPE_BYTES, False, None),
        ("float_val", 5, _F.TYPE_FLOAT, True, None),
        ("double_val", 6, _F.TYPE_DOUBLE, True, None),
        ("int_val", 7, _F.TYPE_INT32, True, None),
        ("int64_val", 10, _F.TYPE_INT64, True, None),
        ("bool_val", 11, _F.TYPE_BOOL, True, None),
    ],
    "ListValue": [
        ("s", 2, _F.TYPE_BYTES, True, None),
        ("i", 3, _F.TYPE_INT64, True, None),
        ("f", 4, _F.TYPE_FLOAT, True, None),
    ],
    "AttrValue": [
        ("list", 1, _F.TYPE_MESSAGE, False, "ListValue"),
        ("s", 2, _F.TYPE_BYTES, False, None),
        ("i", 3, _F.TYPE_INT64, False, None),
        ("f", 4, _F.TYPE_FLOAT, False, None),
        ("b", 5, _F.TYPE_BOOL, False, None),
        ("type", 6, _F.TYPE_INT32, False, None),
        ("shape", 7, _F.TYPE_MESSAGE, False, "Shape"),
        ("tensor", 8, _F.TYPE_MESSAGE, False, "Tensor"),
    ],
    # map<string, AttrValue> is encoded on the wire as repeated (key, value) entries.
    "AttrEntry": [
        ("key", 1, _F.TYPE_STRING, False, None),
        ("value", 2, _F.TYPE_MESSAGE, False, "AttrValue"),
    ],
    "Node": [
        ("name", 1, _F.TYPE_STRING, False, None),
        ("op", 2, _F.TYPE_STRING, False, None),
        ("input", 3, _F.TYPE_STRING, True, None),
        ("attr", 5, _F.TYPE_MESSAGE, True, "AttrEntry"),
    ],
    "Graph": [("node", 1, _F.TYPE_MESSAGE, True, "Node")],
}


def _graph_message_class() -> type:
    """Build the GraphDef message class from _SCHEMA in a private descriptor pool."""
    file_proto = descriptor_pb2.FileDescriptorProto(
        name=f"{_PACKAGE}.proto", package=_PACKAGE, syntax="proto3"
    )
    for message_name, fields in _SCHEMA.items():
        message = file_proto.message_type.add(name=message_name)
        for name, number, field_type, repeated, type_name in fields:
            label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            field = message.field.add(name=name, number=number, type=field_type, label=label)
            if type_name:
                field.type_name = f".{_PACKAGE}.{type_name}"
            if message_name in _ONEOF_MESSAGES:
                field.oneof_index = 0
        if message_name in _ONEOF_MESSAGES:
            message.oneof_decl.add(name="value")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.Graph"))


@dataclass(frozen=True)
class GraphNode:
    """One non-constant node: its op, input node names (":0" and "^" stripped) and attributes."""

    op: str
    inputs: tuple[str, ...]
    attrs: dict


@dataclass(frozen=True)
class FrozenGraph:
    """Constants as numpy arrays and the other nodes, both keyed by node name."""

    constants: dict[str, np.ndarray]
    nodes: dict[str, GraphNode]


def _tensor_to_numpy(tensor) -> np.ndarray:
    """A TensorProto as a numpy array (from packed bytes or from the repeated value field)."""
    if tensor.dtype not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported TensorFlow dtype {tensor.dtype}")
    dtype = _NUMPY_DTYPES[tensor.dtype]
    shape = tuple(dim.size for dim in tensor.tensor_shape.dim)
    if tensor.tensor_content:
        return np.frombuffer(tensor.tensor_content, dtype=dtype).reshape(shape).copy()
    values = np.asarray(getattr(tensor, _VALUE_FIELDS[tensor.dtype]), dtype=dtype)
    if values.size == 1 and shape:  # TensorFlow stores a filled tensor as one value
        return np.full(shape, values[0], dtype=dtype)
    return values.reshape(shape)


def _attr_to_python(value) -> object:
    """An AttrValue as a plain Python value (list of ints/floats/bytes, bytes, int, ...)."""
    kind = value.WhichOneof("value")
    if kind == "list":
        return list(value.list.i) or list(value.list.f) or list(value.list.s)
    if kind == "shape":
        return [dim.size for dim in value.shape.dim]
    if kind == "tensor":
        return _tensor_to_numpy(value.tensor)
    return getattr(value, kind) if kind else None


def read_frozen_graph(path: Path) -> FrozenGraph:
    """Parse a frozen GraphDef file into constants and nodes."""
    path = Path(path)
    if not path.is_file():
        raise PretrainedFileError(f"frozen graph not found: {path}")
    graph = _graph_message_class()()
    try:
        graph.ParseFromString(path.read_bytes())
    except DecodeError as error:
        raise PretrainedFileError(f"{path} is not a TensorFlow GraphDef: {error}") from error
    constants: dict[str, np.ndarray] = {}
    nodes: dict[str, GraphNode] = {}
    for node in graph.node:
        attrs = {entry.key: entry.value for entry in node.attr}
        if node.op == "Const":
            constants[node.name] = _tensor_to_numpy(attrs["value"].tensor)
            continue
        inputs = tuple(name.lstrip("^").split(":")[0] for name in node.input)
        python_attrs = {key: _attr_to_python(value) for key, value in attrs.items()}
        nodes[node.name] = GraphNode(op=node.op, inputs=inputs, attrs=python_attrs)
    return FrozenGraph(constants=constants, nodes=nodes)
