"""A local transformers model: a tiny randomly initialised GPT-2 built here (no downloads)."""

from __future__ import annotations

import pytest

from agentcast.message import Msg
from agentcast.models.registry import build_model

from .helpers import run

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
            "{% if add_generation_prompt %}assistant:{% endif %}")


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-gpt2")
    bpe = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token=None))
    bpe.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<eos>"],
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(["hello world, the cat sat on the mat"] * 10, trainer)
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<eos>")
    tok.chat_template = TEMPLATE
    tok.save_pretrained(path)
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=len(tok), n_positions=128, n_embd=16,
                                     n_layer=1, n_head=2, eos_token_id=tok.eos_token_id,
                                     bos_token_id=tok.eos_token_id)
    transformers.GPT2LMHeadModel(config).save_pretrained(path)
    return str(path)


def test_streams_and_plain_agree(tiny_model_dir):
    model = build_model({"config_name": "tiny", "model_type": "hf_local",
                         "model_name": tiny_model_dir, "max_new_tokens": 6})
    msgs = [Msg("system", "be brief", "system"), Msg("user", "hello", "user")]
    chunks = []
    streamed = run(model(msgs, on_chunk=chunks.append))
    plain = run(model(msgs, stream=False))
    assert streamed.text == plain.text  # greedy decoding: same tokens either way
    assert 0 < streamed.usage.completion_tokens <= 6
    assert streamed.usage.prompt_tokens == plain.usage.prompt_tokens > 3
    assert len([c for c in chunks if c.delta]) >= 1


def test_prompt_uses_the_chat_template_or_a_transcript(tiny_model_dir):
    model = build_model({"config_name": "tiny2", "model_type": "hf_local",
                         "model_name": tiny_model_dir})
    tok = transformers.AutoTokenizer.from_pretrained(tiny_model_dir)
    msgs = [Msg("Ann", "hi", "user"), Msg("Ben", "yo", "user")]
    assert model.prompt(msgs, tok) == "user: Ann: hi\nuser: Ben: yo\nassistant:"
    tok.chat_template = None
    assert model.prompt(msgs, tok) == "Ann: hi\nBen: yo\nassistant:"


def test_unknown_model_dir_is_unresolvable(tmp_path):
    from agentcast.exceptions import UnresolvableModelError

    model = build_model({"config_name": "nope", "model_type": "hf_local",
                         "model_name": str(tmp_path / "missing")})
    with pytest.raises(UnresolvableModelError, match="model_name"):
        run(model([Msg("user", "hi", "user")]))
