"""A BERT sentence encoder in plain torch: the bundled all-MiniLM-L6-v2 without transformers or sentence-transformers.

Importing those two libraries takes 3-4 s, more than a short ``callintel tag`` run
spends on tagging; the model is six small BERT layers, mean pooling and an L2 norm.
This module reads the same files (config.json, model.safetensors, tokenizer.json,
sentence_bert_config.json) and gives the same embeddings as sentence-transformers
(a test compares the two). Texts are tokenised at once (in Rust), sorted by length
and batched, so little compute goes on padding.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional

__all__ = ["BertConfig", "BertEncoder", "SentenceBert"]


class BertConfig:
    """The fields of a BERT config.json this encoder uses."""

    def __init__(self, path: Path) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.vocab_size = int(raw["vocab_size"])
        self.hidden = int(raw["hidden_size"])
        self.layers = int(raw["num_hidden_layers"])
        self.heads = int(raw["num_attention_heads"])
        self.intermediate = int(raw["intermediate_size"])
        self.positions = int(raw["max_position_embeddings"])
        self.types = int(raw.get("type_vocab_size", 2))
        self.eps = float(raw.get("layer_norm_eps", 1e-12))
        if raw.get("hidden_act", "gelu") != "gelu" or raw.get("model_type") != "bert":
            raise ValueError(f"{path}: not a BERT model with gelu activations")


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden)
        self.position_embeddings = nn.Embedding(c.positions, c.hidden)
        self.token_type_embeddings = nn.Embedding(c.types, c.hidden)
        self.LayerNorm = nn.LayerNorm(c.hidden, eps=c.eps)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        summed = self.word_embeddings(ids) + self.position_embeddings(positions)
        return self.LayerNorm(summed + self.token_type_embeddings.weight[0])


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.heads
        self.query = nn.Linear(c.hidden, c.hidden)
        self.key = nn.Linear(c.hidden, c.hidden)
        self.value = nn.Linear(c.hidden, c.hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        attended = functional.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=mask
        )
        return attended.transpose(1, 2).reshape(batch, length, hidden)


class _Residual(nn.Module):
    """dense, then LayerNorm(dense(x) + input): BERT's ``output`` blocks."""

    def __init__(self, inner: int, hidden: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(inner, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = _SelfAttention(c)
        self.output = _Residual(c.hidden, c.hidden, c.eps)


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden, c.intermediate)


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _Residual(c.intermediate, c.hidden, c.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention.output(self.attention.self(x, mask), x)
        return self.output(functional.gelu(self.intermediate.dense(x)), x)


class _Layers(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c.layers))


class BertEncoder(nn.Module):
    """BERT's embeddings and encoder layers (no pooler), with the Hugging Face parameter names."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Layers(config)

    def forward(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        keep = attention.bool()[
            :, None, None, :
        ]  # (batch, 1, 1, length): attend to real tokens only
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return x


class SentenceBert:
    """Mean-pooled, L2-normalised BERT sentence embeddings from a sentence-transformers model directory."""

    def __init__(self, model_dir: Path) -> None:
        with torch.device(
            "meta"
        ):  # no random initialisation of weights that are replaced at once (~0.3 s)
            self.model = BertEncoder(BertConfig(model_dir / "config.json"))
        weights = load_file(str(model_dir / "model.safetensors"))
        weights = {
            k: v
            for k, v in weights.items()
            if not k.startswith(("pooler.", "embeddings.position_ids"))
        }
        self.model.load_state_dict(weights, strict=True, assign=True)
        self.model.eval()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(_max_length(model_dir, self.model.config.positions))
        self.dimension = self.model.config.hidden

    @property
    def module(self) -> nn.Module:
        return self.model

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        rows = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
        out = np.empty((len(rows), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chosen = order[start : start + batch_size]
                ids, attention = _padded([rows[i] for i in chosen])
                out[chosen] = self._pooled(ids, attention).numpy()
        return out

    def _pooled(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        tokens = self.model(ids, attention)
        weights = attention.unsqueeze(-1).to(tokens.dtype)
        mean = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return functional.normalize(mean, p=2.0, dim=1)


def _padded(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids right-padded with 0 (BERT's [PAD]) to the longest row, and the attention mask."""
    length = max(len(r) for r in rows)
    ids = np.zeros((len(rows), length), dtype=np.int64)
    attention = np.zeros((len(rows), length), dtype=np.int64)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
        attention[i, : len(row)] = 1
    return torch.from_numpy(ids), torch.from_numpy(attention)


def _max_length(model_dir: Path, positions: int) -> int:
    """sentence-transformers' max_seq_length (sentence_bert_config.json), never past the position table."""
    config = model_dir / "sentence_bert_config.json"
    if not config.is_file():
        return positions
    given = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    return min(int(given), positions) if given else positions
