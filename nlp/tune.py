"""Fine-tune the bundled MiniLM for tagging: LoRA adapters on its upper layers (peft), trained on CPU.

The adapters sit on the attention and feed-forward projections of the upper
transformer layers. They are trained, with two throw-away linear heads on the
mean-pooled, L2-normalised embedding (the encoder's own output), to predict each
example's intent labels (binary cross-entropy) and sentiment (cross-entropy).
The tagger's heads are then fitted on the tuned embeddings (``python -m
nlp.train --tune``). Adapters in ``nlp/data/encoder_adapter/`` are merged into
the weights when the encoder is exported to ONNX (``nlp/encoder.py``), so
tagging costs the same as with the bare model. None are shipped: the tuned
candidate lost on the fifteenth held-out set (README, Quality).
"""

from __future__ import annotations

import logging
import random
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nlp.cues import INTENT_LABELS
from nlp.dataset import Example
from nlp.heads import SENTIMENTS

if TYPE_CHECKING:
    import torch
    from peft import PeftModel

__all__ = ["TuneOptions", "embed", "load_tuned", "save_adapter", "tune"]

logger = logging.getLogger("callintel.nlp")
PROJECTIONS = ("query", "key", "value", "dense")  # every Linear of a BERT layer but the pooler


@dataclass(frozen=True)
class TuneOptions:
    """How the adapters are trained (chosen on the fitting set's cross-validation; README, Quality)."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    layers: tuple[int, ...] = (2, 3, 4, 5)  # of MiniLM's six; the lower two stay as shipped
    epochs: int = 4
    batch_size: int = 32
    adapter_lr: float = 3e-4
    head_lr: float = 3e-3
    sentiment_weight: float = (
        1.0  # the sentiment loss's weight against the intents' (summed over labels)
    )
    seed: int = 0
    max_tokens: int = 128


@contextmanager
def _quiet_peft() -> Iterator[None]:
    """No library chatter on the user's stderr: transformers' notice that peft calls a renamed
    ``is_gradient_checkpointing``, and peft's that the saved config names the bundled model, not a directory."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning
        )
        warnings.filterwarnings(
            "ignore", message="Could not find a config file", category=UserWarning
        )
        yield


def _base(model_dir: Path):
    from transformers import AutoModel, AutoTokenizer

    from nlp.encoder import quiet_transformers

    quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    return tokenizer, model


def pooled(model, tokenizer, texts: Sequence[str], max_tokens: int) -> torch.Tensor:
    """sentence-transformers' embedding: token states mean-pooled over real tokens, L2-normalised."""
    import torch

    batch = tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
    )
    states = model(
        input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
    ).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
    mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, dim=1)


def _targets(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array(
        [[label in e.labels for label in INTENT_LABELS] for e in examples], np.float32
    )
    sentiment = np.array([SENTIMENTS.index(e.sentiment) for e in examples], np.int64)
    return labels, sentiment


def tune(examples: Sequence[Example], model_dir: Path, options: TuneOptions = TuneOptions()):
    """A PeftModel of the bundled weights with adapters trained on ``examples`` (seeded, so repeatable on
    one machine), and its tokenizer."""
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(options.seed)
    tokenizer, base = _base(model_dir)
    config = LoraConfig(
        r=options.rank,
        lora_alpha=options.alpha,
        lora_dropout=options.dropout,
        target_modules=list(PROJECTIONS),
        layers_to_transform=list(options.layers),
    )
    with _quiet_peft():
        model = get_peft_model(base, config)
    width = int(base.config.hidden_size)
    intents, sentiment = torch.nn.Linear(width, len(INTENT_LABELS)), torch.nn.Linear(width, 3)
    labels, moods = _targets(examples)
    positives = labels.sum(0)
    pos_weight = torch.tensor(np.sqrt((len(labels) - positives) / np.maximum(positives, 1)))
    steps = options.epochs * -(-len(examples) // options.batch_size)
    optimiser = torch.optim.AdamW(
        [
            {
                "params": [p for p in model.parameters() if p.requires_grad],
                "lr": options.adapter_lr,
            },
            {"params": [*intents.parameters(), *sentiment.parameters()], "lr": options.head_lr},
        ],
        weight_decay=0.01,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / (0.1 * steps)) * max(0.0, 1 - step / steps)
    )
    order = random.Random(options.seed)
    texts = [e.text for e in examples]
    model.train()
    for epoch in range(options.epochs):
        rows = list(range(len(examples)))
        order.shuffle(rows)
        total = 0.0
        for start in range(0, len(rows), options.batch_size):
            chosen = rows[start : start + options.batch_size]
            vectors = pooled(model, tokenizer, [texts[i] for i in chosen], options.max_tokens)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                intents(vectors * 8), torch.from_numpy(labels[chosen]), pos_weight=pos_weight
            ) * len(INTENT_LABELS) + options.sentiment_weight * torch.nn.functional.cross_entropy(
                sentiment(vectors * 8), torch.from_numpy(moods[chosen])
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(chosen)
        logger.info("tuning epoch %d: loss %.4f", epoch + 1, total / len(rows))
    return model.eval(), tokenizer


def embed(
    model, tokenizer, texts: Sequence[str], batch_size: int = 64, max_tokens: int = 256
) -> np.ndarray:
    """(n, dim) float32 embeddings of ``texts`` by a (tuned) model, batched by length."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), int(model.config.hidden_size)), np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            out[chosen] = pooled(model, tokenizer, [texts[i] for i in chosen], max_tokens).numpy()
    return out


def save_adapter(model: PeftModel, folder: Path) -> None:
    """The adapters' weights and config (peft's format), without its model card; the config names the bundled
    model, not the directory it was loaded from on this machine (the adapters' hash is part of the encoder's
    name, so it must not depend on where the package is installed)."""
    from nlp.encoder import BUNDLED_NAME

    for config in model.peft_config.values():
        config.base_model_name_or_path = BUNDLED_NAME
    with _quiet_peft():
        model.save_pretrained(str(folder))
    (folder / "README.md").unlink(missing_ok=True)


def load_tuned(model_dir: Path, adapter_dir: Path | None):
    """The bundled weights, with the adapters in ``adapter_dir`` merged in where given: a plain transformers
    BertModel in eval mode (what the encoder exports to ONNX)."""
    _, base = _base(model_dir)
    if adapter_dir is None:
        return base.eval()
    from peft import PeftModel

    with _quiet_peft():
        return PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload().eval()
