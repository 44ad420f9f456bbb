"""Build a tiny random-weight Whisper as a CTranslate2 directory, offline.

    python -m transcribe.tiny_model OUT_DIR

For tests and smoke checks of the real loading and decoding path: a byte-level
BPE tokenizer is trained on a few sentences, Whisper's special tokens are added
in Whisper's order (end of text, start of transcript, the languages, tasks,
no-timestamps, then the 1501 timestamps), a transformers Whisper with random
weights is saved beside it and converted with ctranslate2's converter. It
transcribes real audio into nonsense, through exactly the code a real model uses.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from faster_whisper.tokenizer import _LANGUAGE_CODES

CORPUS = (
    "hello thanks for joining the call today",
    "the price is too high for our budget this year",
    "we need to export all of our recordings before the contract ends",
    "can you send the invoice to our finance team",
)
TASK_TOKENS = ("<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>")


def _tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS * 5, trainer)
    specials = ["<|endoftext|>", "<|startoftranscript|>", *(f"<|{code}|>" for code in _LANGUAGE_CODES), *TASK_TOKENS]
    tokenizer.add_special_tokens(specials + [f"<|{i * 0.02:.2f}|>" for i in range(1501)])
    return tokenizer, specials


def build(out_dir: Path, seed: int = 0, d_model: int = 64, hf_dir: Path | None = None) -> Path:
    """Write the CTranslate2 model (with tokenizer.json) to ``out_dir`` and return it.

    ``hf_dir`` also keeps the transformers model it was converted from (for comparisons).
    """
    import ctranslate2.converters
    import torch
    from transformers import (
        GenerationConfig,
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperTokenizer,
    )

    tokenizer, specials = _tokenizer()
    ids = {token: tokenizer.token_to_id(token) for token in specials}
    eot, sot = ids["<|endoftext|>"], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=tokenizer.get_vocab_size(), num_mel_bins=80, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, d_model=d_model, encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model, max_source_positions=1500, max_target_positions=448, pad_token_id=eot,
        bos_token_id=eot, eos_token_id=eot, decoder_start_token_id=sot, suppress_tokens=[], begin_suppress_tokens=[eot],
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=sot, eos_token_id=eot, pad_token_id=eot, suppress_tokens=[], begin_suppress_tokens=[eot],
        no_timestamps_token_id=ids["<|notimestamps|>"], is_multilingual=True, max_length=448,
        lang_to_id={f"<|{code}|>": ids[f"<|{code}|>"] for code in _LANGUAGE_CODES},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        alignment_heads=[[0, 0], [0, 1]],
    )
    wrapped = WhisperTokenizer(
        tokenizer_object=tokenizer, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>",
        pad_token="<|endoftext|>", additional_special_tokens=specials,
    )
    with tempfile.TemporaryDirectory() as tmp:
        source = hf_dir or Path(tmp)
        model.save_pretrained(source)
        wrapped.save_pretrained(source)
        WhisperFeatureExtractor(feature_size=80).save_pretrained(source)
        converter = ctranslate2.converters.TransformersConverter(
            str(source), copy_files=["tokenizer.json", "preprocessor_config.json"]
        )
        converter.convert(str(out_dir), force=True)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
