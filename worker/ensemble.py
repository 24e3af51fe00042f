"""gRPC client of the Triton `dfrec` ensemble: what it expects, and one call to it.

Shapes and names come from the server's model config, never from constants here: the image
side S and the patch count N are whatever the deployed ensemble declares.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.grpc import KeepAliveOptions
from tritonclient.grpc._client import MAX_GRPC_MESSAGE_SIZE
from tritonclient.utils import InferenceServerException

from worker.errors import InferenceFailed, TritonUnavailable

IMAGE_INPUT = "image"
NOISE_INPUT = "mask_noise"
LANDMARKS_INPUT = "landmarks"  # (B, 68, 2): an ensemble whose TIRM draws on the face's geometry
OUTPUT_NAMES = ("mask", "fake_probability", "source", "target")
LRE_OUTPUT_NAMES = ("lre_fake_probability", "heatmap")  # present when the lre model is deployed
UNAVAILABLE = "StatusCode.UNAVAILABLE"
RETRYABLE_STATUSES = (UNAVAILABLE, "StatusCode.DEADLINE_EXCEEDED")

logger = logging.getLogger(__name__)
T = TypeVar("T")


def channel_args() -> list[tuple[str, int]]:
    """tritonclient's defaults plus a subchannel pool of the channel's own: with gRPC's global
    pool a new channel would share the old one's connection, still in reconnect backoff."""
    keepalive = KeepAliveOptions()
    return [
        ("grpc.max_send_message_length", MAX_GRPC_MESSAGE_SIZE),
        ("grpc.max_receive_message_length", MAX_GRPC_MESSAGE_SIZE),
        ("grpc.keepalive_time_ms", keepalive.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", keepalive.keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", keepalive.keepalive_permit_without_calls),
        ("grpc.http2.max_pings_without_data", keepalive.http2_max_pings_without_data),
        ("grpc.use_local_subchannel_pool", 1),
    ]


@dataclass(frozen=True)
class EnsembleInfo:
    name: str
    version: str
    version_label: str
    variant: str
    image_size: int
    num_patches: int
    max_batch_size: int
    has_lre: bool = False  # the ensemble also returns LRE's score and heat map
    takes_landmarks: bool = False  # the ensemble also needs each face's 68 crop landmarks

    @property
    def output_names(self) -> tuple[str, ...]:
        return OUTPUT_NAMES + (LRE_OUTPUT_NAMES if self.has_lre else ())

    def as_result(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "version_label": self.version_label,
            "variant": self.variant,
        }


@dataclass(frozen=True)
class EnsembleOutputs:
    """mask (B, 1, S, S), fake_probability (B, 1), source and target (B, 3, S, S); with LRE
    deployed also lre_fake_probability (B, 1) and heatmap (B, 1, S, S); all float32."""

    mask: np.ndarray
    fake_probability: np.ndarray
    source: np.ndarray
    target: np.ndarray
    lre_fake_probability: np.ndarray | None = None
    heatmap: np.ndarray | None = None


def _failure(error: InferenceServerException, action: str) -> Exception:
    """The job's error: the gRPC status only; Triton's text (addresses, paths) is logged."""
    logger.warning("Triton %s: %s %s", action, error.status(), error.message())
    status = str(error.status() or "error").removeprefix("StatusCode.")
    message = f"Triton {action} ({status})"
    if error.status() in RETRYABLE_STATUSES or "unknown model" in error.message():
        return TritonUnavailable(message)
    return InferenceFailed(message)


def _string_parameter(config: dict, key: str) -> str:
    return config.get("parameters", {}).get(key, {}).get("string_value", "")


def _input_dims(config: dict, name: str) -> list[int]:
    for tensor in config["input"]:
        if tensor["name"] == name:
            return [int(dim) for dim in tensor["dims"]]
    raise InferenceFailed(f"the ensemble has no input named {name!r}")


class EnsembleClient:
    """One gRPC channel to Triton. Create it in the process that uses it (after any fork).

    A call answered UNAVAILABLE closes the channel, opens a fresh one and tries once more: a
    channel that saw the server go away sits in gRPC's reconnect backoff and fails at once
    with a cached error, even after the server is back.
    """

    def __init__(self, url: str, model: str, timeout_seconds: float) -> None:
        self.url = url
        self.model = model
        self.timeout_seconds = timeout_seconds
        self._client = self._connect()
        self._info: EnsembleInfo | None = None

    def _connect(self) -> grpcclient.InferenceServerClient:
        return grpcclient.InferenceServerClient(url=self.url, channel_args=channel_args())

    def reconnect(self) -> None:
        self._client.close()
        self._client = self._connect()

    def _call(self, action: str, call: Callable[[], T]) -> T:
        """call() on the current channel; on UNAVAILABLE once more on a fresh channel."""
        try:
            return call()
        except InferenceServerException as error:
            if error.status() != UNAVAILABLE:
                raise _failure(error, action) from error
            logger.info("Triton unavailable; reconnecting and trying once more")
            self.reconnect()
        try:
            return call()
        except InferenceServerException as error:
            raise _failure(error, action) from error

    def info(self) -> EnsembleInfo:
        """The deployed ensemble's newest version, image side and patch count (cached)."""
        if self._info is None:
            self._info = self._read_info()
        return self._info

    def _read_info(self) -> EnsembleInfo:
        action = "did not describe the ensemble"
        timeout = self.timeout_seconds
        ready = self._call(
            action, lambda: self._client.is_model_ready(self.model, client_timeout=timeout)
        )
        if not ready:
            raise TritonUnavailable(f"the {self.model!r} ensemble is not ready")
        metadata = self._call(
            action,
            lambda: self._client.get_model_metadata(
                self.model, as_json=True, client_timeout=timeout
            ),
        )
        config = self._call(
            action,
            lambda: self._client.get_model_config(self.model, as_json=True, client_timeout=timeout),
        )["config"]
        _, height, width = _input_dims(config, IMAGE_INPUT)
        if height != width:
            raise InferenceFailed(f"the ensemble expects a square image, not {height} x {width}")
        (num_patches,) = _input_dims(config, NOISE_INPUT)
        outputs = {tensor["name"] for tensor in config["output"]}
        inputs = {tensor["name"] for tensor in config["input"]}
        return EnsembleInfo(
            name=self.model,
            version=max(metadata["versions"], key=int),
            version_label=_string_parameter(config, "version_label"),
            variant=_string_parameter(config, "variant"),
            image_size=height,
            num_patches=num_patches,
            max_batch_size=max(1, int(config.get("max_batch_size", 1))),
            has_lre=set(LRE_OUTPUT_NAMES) <= outputs,
            takes_landmarks=LANDMARKS_INPUT in inputs,
        )

    def infer(
        self, images: np.ndarray, noise: np.ndarray, landmarks: np.ndarray | None = None
    ) -> EnsembleOutputs:
        """images (B, 3, S, S), noise (B, N) and, for an ensemble that takes them, landmarks
        (B, 68, 2), float32 -> the outputs, for any B: sent in requests of at most the
        ensemble's max_batch_size."""
        info = self.info()
        if info.takes_landmarks and landmarks is None:
            raise InferenceFailed("the ensemble draws on each face's geometry: pass landmarks")
        step = info.max_batch_size
        parts = [
            self._infer_batch(
                images[start : start + step],
                noise[start : start + step],
                None if landmarks is None else landmarks[start : start + step],
            )
            for start in range(0, len(images), step)
        ]
        return EnsembleOutputs(
            **{
                name: np.concatenate([getattr(part, name) for part in parts])
                for name in info.output_names
            }
        )

    def _infer_batch(
        self, images: np.ndarray, noise: np.ndarray, landmarks: np.ndarray | None
    ) -> EnsembleOutputs:
        info = self.info()
        arrays = [(IMAGE_INPUT, images), (NOISE_INPUT, noise)]
        if info.takes_landmarks:
            arrays.append((LANDMARKS_INPUT, landmarks))
        inputs = []
        for name, array in arrays:
            tensor = grpcclient.InferInput(name, list(array.shape), "FP32")
            tensor.set_data_from_numpy(np.ascontiguousarray(array, dtype=np.float32))
            inputs.append(tensor)
        outputs = [grpcclient.InferRequestedOutput(name) for name in info.output_names]
        try:
            response = self._call(
                "inference failed",
                lambda: self._client.infer(
                    self.model,
                    inputs,
                    model_version=info.version,
                    outputs=outputs,
                    client_timeout=self.timeout_seconds,
                ),
            )
        except (TritonUnavailable, InferenceFailed):
            self._info = None  # the server may come back with another model version
            raise
        return EnsembleOutputs(**{name: response.as_numpy(name) for name in info.output_names})

    def close(self) -> None:
        self._client.close()
