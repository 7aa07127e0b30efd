#!/usr/bin/env python3
"""PyTorch twin of a Lemma seq2seq run: the same pairs, split, vocabularies, model and training.

    bench/.venv/bin/python bench/seq2seq_torch.py RUN_DIR [--seed S] [--threads 2] [--flush]
        [--save twin.safetensors]   (the trained weights under Lemma's keys: `lemma eval` can score them)
        [--load model.safetensors]  (no training: score these weights, e.g. the run's own, with the twin's loops)
        [--init lemma-initial.safetensors] [--lemma-order] [--loss-log steps.jsonl]
        (a paired run: start from a Lemma run's initial weights and take its batches in its order — its
        BatchSampler's sortish draws, bench/lemma_order.py — so that a seed's two runs differ by the
        implementations and their own dropout and teacher-forcing draws, not by initialization or order)

RUN_DIR is a directory made by `lemma train` with `task: seq2seq` (its prepared `data/{train,valid,test}`
pair datasets, vocabularies and resolved `config.yaml`), so data, split and tokenization are identical by
construction: this script reads Lemma's token ids and never tokenizes. The models are the ones the parity
fixtures are made with (scripts/make_seq2seq_fixtures.py: seed 002's `Seq2SeqRNN` and fastai course-nlp 7b's
`Seq2SeqRNN_attn`), with their dropouts on, and training follows Lemma's Trainer for seq2seq:

- targets end with the end token; batches padded to their longest side with the pad id (fastai's
  seq2seq_collate); training batches in fastai's sortish order (chunks of 50 batches sorted by source length,
  longest batch first, the rest shuffled; numpy-seeded, not Lemma's generator), evaluation batches cut from
  the split sorted by source length, longest first, ties in dataset order (fastai's SortSampler, as Lemma);
- Adam with fastai's one-cycle (learning rate and beta1 along fastai's combined cosines, pct_start .25,
  div 25, div_final 1e5, momenta .95/.85/.95), gradients clipped to `train.max_grad_norm`;
- teacher forcing with probability 1 − epoch / `train.teacher_forcing_end_epoch`, set at each epoch;
- every `train.eval_steps` steps Lemma's validation: the teacher-forced loss (the default best-model metric)
  and seed 002's, the model on its own predictions (its loss and seq2seq_acc; the last values are reported),
  the best weights kept and restored at the end (`train.load_best_model_at_end`);
- the test split decoded greedily (BOS, then each step's best token, until the end token or
  `decoding.max_length_a` · source length + `decoding.max_length_b` tokens) and scored with sacrebleu on the
  target tokens joined by spaces (what Lemma's `bleu` detokenizes the word, whitespace and LaTeX tokenizers to)
  and with exact match; seed 002's `seq2seq_acc` on the test split, the model running on its own greedy
  predictions as Lemma's evaluation runs it.

Timing: `training_seconds` covers the training loop with its evaluations (what Lemma's summary.json counts);
`examples_per_second` is training examples over it. Prints one JSON object.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from classification_torch import read_config  # noqa: E402
import make_seq2seq_fixtures as twins  # noqa: E402
from lemma_order import sortish_batches  # noqa: E402

torch.set_default_dtype(torch.float32)  # the fixture module works in float64


class Side:
    """One side of a prepared pair dataset: tokens.i32 and offsets.i64 (count + 1)."""

    def __init__(self, directory):
        self.tokens = np.fromfile(os.path.join(directory, "tokens.i32"), dtype="<i4")
        self.offsets = np.fromfile(os.path.join(directory, "offsets.i64"), dtype="<i8")
        self.lengths = np.diff(self.offsets)

    def row(self, i):
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]


class Pairs:
    def __init__(self, directory):
        self.source, self.target = Side(os.path.join(directory, "source")), Side(os.path.join(directory, "target"))
        assert len(self.source.lengths) == len(self.target.lengths), directory

    def __len__(self):
        return len(self.source.lengths)


def vocabulary(run_dir, side):
    for name in (f"{side}_vocab.txt", "vocab.txt"):
        path = os.path.join(run_dir, "data", name)
        if os.path.exists(path):
            return [line.rstrip("\n").split(" ")[0] for line in open(path, encoding="utf-8")]
    raise SystemExit(f"{run_dir}: no built {side} vocabulary (only word/whitespace/char/latex runs are supported)")


def collate(pairs, indices, pad, eos):
    sources = [pairs.source.row(i) for i in indices]
    targets = [np.append(pairs.target.row(i), eos) for i in indices]

    def padded(rows):
        width = max(1, max(len(r) for r in rows))
        out = np.full((len(rows), width), pad, dtype=np.int64)
        for k, r in enumerate(rows):
            out[k, :len(r)] = r
        return torch.from_numpy(out)
    return padded(sources), padded(targets)


def sortish(lengths, batch_size, rng):
    indices = rng.permutation(len(lengths))
    chunk = batch_size * 50
    ordered = []
    for start in range(0, len(indices), chunk):
        part = indices[start:start + chunk]
        ordered += sorted(part.tolist(), key=lambda i: -lengths[i])
    batches = [ordered[i:i + batch_size] for i in range(0, len(ordered), batch_size)]
    if len(batches) > 1:
        longest = int(np.argmax([lengths[b[0]] for b in batches]))
        batches[0], batches[longest] = batches[longest], batches[0]
        rest = batches[1:]
        rng.shuffle(rest)
        batches = [batches[0]] + rest
    return batches


def sorted_batches(pairs, batch_size, max_source=None):
    """Evaluation batches: the split sorted by source length (cut at `max_source`, as Lemma cuts the sources it
    decodes), longest first, ties in dataset order."""
    order = sorted(range(len(pairs)), key=lambda i: -min(int(pairs.source.lengths[i]), max_source or 1 << 62))
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def combined_cos(position, pct, start, middle, end):
    def cos_step(a, b, p):
        return a + (1 + math.cos(math.pi * (1 - p))) * (b - a) / 2
    position = min(position, 1.0)
    if position < pct:
        return cos_step(start, middle, position / pct)
    return cos_step(middle, end, (position - pct) / (1 - pct))


def build(config, source_vocab, target_vocab, bos, pad):
    arch = config.get("model.arch", "gru")
    emb_enc = torch.nn.Embedding(source_vocab, config.get("model.embedding_dim", 300), padding_idx=pad)
    emb_dec = torch.nn.Embedding(target_vocab, config.get("model.target_embedding_dim", 300), padding_idx=pad)
    hidden, layers = config.get("model.hidden_size", 256), config.get("model.num_layers", 2)
    if arch == "transformer":
        d = config.get("model.embedding_dim", 300)
        model = twins.Seq2SeqTransformer(source_vocab, target_vocab, d, config.get("model.num_heads", 4), layers,
                                         config.get("model.feed_forward_dim") or 4 * d, config.get("model.norm_first", False),
                                         config.get("model.positions", "sinusoidal") == "learned",
                                         max_positions=config.get("model.max_positions", 512), bos_idx=bos, pad_idx=pad,
                                         dropout=config.get("model.dropout", 0.1))
        # nn.Transformer re-initializes every matrix Xavier-uniform; Lemma's layers start as PyTorch's own
        # nn.Linear and nn.MultiheadAttention do, so put those back.
        for module in model.transformer.modules():
            if isinstance(module, torch.nn.Linear):
                module.reset_parameters()
        for module in model.transformer.modules():
            if isinstance(module, torch.nn.MultiheadAttention):
                module._reset_parameters()
        with torch.no_grad():  # as Lemma's preset: tables at std 1/sqrt(d), the padding row zero, output bias 0
            for table in (model.src_emb, model.tgt_emb):
                table.weight.normal_(0, d ** -0.5)
                table.weight[pad].zero_()
            model.out_bias.zero_()
        return model
    kind = {"gru": twins.Seq2SeqRNN, "gru_attention": twins.Seq2SeqRNNAttention}.get(arch)
    if kind is None:
        raise SystemExit(f"model.arch {arch}: the twin has gru, gru_attention and transformer")
    model = kind(emb_enc, emb_dec, hidden, out_sl=1, nl=layers, bos_idx=bos, pad_idx=pad)
    # The seed ties with `out.weight.data = emb_dec.weight.data`: two Parameters sharing one tensor, so
    # Adam keeps two sets of moments and moves the table twice a step, and clipping sees two gradients.
    # Lemma (like Hugging Face's tie_weights) has one parameter with the summed gradient; tie the same way.
    model.out.weight = model.emb_dec.weight
    return model


def take(tokens, rows, done, eos, pad):
    """Appends each unfinished row's token (a row finishes at the end or pad token); True once all are done."""
    for k, t in enumerate(tokens.tolist()):
        if not done[k]:
            if t in (eos, pad):
                done[k] = True
            else:
                rows[k].append(t)
    return all(done)


def transformer_steps(model, src, limit, bos):
    """The transformer's greedy tokens [B], step by step, running the decoder over the whole prefix each time
    (no cache); the caller stops the loop."""
    padding = src == model.pad_idx
    memory = model.transformer.encoder(model.embed(src, model.src_emb), src_key_padding_mask=padding)
    prefix = torch.full((src.shape[0], 1), bos, dtype=torch.long)
    for _ in range(limit):
        length = prefix.shape[1]
        causal = torch.triu(torch.full((length, length), float("-inf")), 1)
        out = model.transformer.decoder(model.embed(prefix, model.tgt_emb), memory, tgt_mask=causal,
                                        memory_key_padding_mask=padding)
        token = (out[:, -1] @ model.tgt_emb.weight.T + model.out_bias).argmax(1)
        yield token
        prefix = torch.cat([prefix, token[:, None]], 1)


def transformer_greedy(model, src, limit, bos, eos, pad):
    """Greedy decoding until every row has emitted the end or pad token: each row's tokens before it."""
    rows, done = [[] for _ in range(src.shape[0])], [False] * src.shape[0]
    for token in transformer_steps(model, src, limit, bos):
        if take(token, rows, done, eos, pad):
            break
    return rows


def free_running(model, src, steps, bos, pad):
    """The model on its own greedy predictions for `steps` steps (stopping once every row predicts the pad),
    as Lemma's evaluation and seed 002's validation run it: the predicted ids [B, steps run]."""
    if isinstance(model, twins.Seq2SeqTransformer):
        tokens = []
        for token in transformer_steps(model, src, steps, bos):
            tokens.append(token)
            if (token == pad).all():
                break
        return torch.stack(tokens, 1)
    model.pr_force, model.out_sl = 0.0, steps
    return model(src).argmax(2)


def seq2seq_accuracy(predicted, target, pad):
    """Seed 002's seq2seq_acc on ids: the shorter side padded (a padded prediction is the argmax of a constant
    row, id 0; a padded target is the pad), pads counted."""
    width = max(predicted.shape[1], target.shape[1])
    predicted = F.pad(predicted, (0, width - predicted.shape[1]), value=0)
    target = F.pad(target, (0, width - target.shape[1]), value=pad)
    return (predicted == target).float().mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "2")))
    parser.add_argument("--flush", action="store_true", help="torch.set_flush_denormal(True)")
    parser.add_argument("--save", help="write the trained (restored best) weights here, under Lemma's keys")
    parser.add_argument("--load", help="skip training and evaluate these weights (Lemma's keys)")
    parser.add_argument("--init", help="train from these weights (Lemma's keys), e.g. a Lemma run's initial ones")
    parser.add_argument("--lemma-order", action="store_true", help="take the training batches in Lemma's order")
    parser.add_argument("--loss-log", help="write every training step's loss here, one JSON object a line")
    args = parser.parse_args()
    config = read_config(os.path.join(args.run_dir, "config.yaml"))
    seed = args.seed if args.seed is not None else config.get("train.seed", 42)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    torch.set_num_threads(args.threads)
    if args.flush:
        torch.set_flush_denormal(True)

    data = os.path.join(args.run_dir, "data")
    train, valid, test = Pairs(os.path.join(data, "train")), Pairs(os.path.join(data, "valid")), None
    if os.path.exists(os.path.join(data, "test")):
        test = Pairs(os.path.join(data, "test"))
    target_tokens = vocabulary(args.run_dir, "target")
    source_size = len(vocabulary(args.run_dir, "source"))
    pad, bos, eos = target_tokens.index("<pad>"), target_tokens.index("<bos>"), target_tokens.index("<eos>")
    model = build(config, source_size, len(target_tokens), bos, pad)

    batch_size = config.get("train.batch_size", 32)
    eval_batch_size = config.get("train.eval_batch_size") or batch_size
    batches_per_epoch = math.ceil(len(train) / batch_size)
    epochs = config.get("train.epochs", 3)
    total_steps = config.get("train.max_steps") or math.ceil(epochs * batches_per_epoch)
    peak = config.get("train.learning_rate", 1e-3)
    assert config.get("train.lr_scheduler") == "one_cycle" and config.get("train.optimizer") == "adam", "the twin runs Adam + one-cycle"
    optimizer = torch.optim.Adam(model.parameters(), lr=peak / 25, betas=(0.95, 0.999), eps=1e-8)
    clip = config.get("train.max_grad_norm", 1.0)
    eval_steps = config.get("train.eval_steps") or batches_per_epoch
    forcing_end = config.get("train.teacher_forcing_end_epoch")
    extra = 0

    validation, history = {}, []

    def evaluate_loss(pairs):
        """Lemma's validation: the teacher-forced loss (returned; it picks the best weights), and seed 002's own
        validation, the model on its own greedy predictions (its loss for the recurrent models, and seq2seq_acc),
        kept in `validation` — the same two passes Lemma's evaluation makes, so both loops do the same work."""
        model.eval()
        total, free_total, accuracy, seen = 0.0, 0.0, 0.0, 0
        with torch.no_grad():
            for indices in sorted_batches(pairs, eval_batch_size):
                src, tgt = collate(pairs, indices, pad, eos)
                model.pr_force, model.out_sl = 1.0, tgt.shape[1]
                total += twins.seq2seq_loss(model(src, tgt), tgt, pad).item() * len(indices)
                steps = max(src.shape[1], tgt.shape[1])
                if isinstance(model, twins.Seq2SeqTransformer):
                    predicted = free_running(model, src, steps, bos, pad)
                else:
                    model.pr_force, model.out_sl = 0.0, steps
                    output = model(src)
                    free_total += twins.seq2seq_loss(output, tgt, pad).item() * len(indices)
                    predicted = output.argmax(2)
                accuracy += seq2seq_accuracy(predicted, tgt, pad) * len(indices)
                seen += len(indices)
        model.train()
        validation.update(valid_loss=total / seen, valid_seq2seq_accuracy=accuracy / seen)
        if not isinstance(model, twins.Seq2SeqTransformer):
            validation["valid_free_running_loss"] = free_total / seen
        return total / seen

    best, best_state, step, epoch = float("inf"), None, 0, 0
    for path in filter(None, (args.load, args.init)):  # Lemma saves the tied output matrix once, as the decoder embedding
        from safetensors.torch import load_file
        missing, unexpected = model.load_state_dict(load_file(path), strict=False)
        if unexpected or set(missing) - {"out.weight"}:
            raise SystemExit(f"{path}: keys differ from the twin's: missing {missing}, unexpected {unexpected}")
    if args.load:
        total_steps = 0
    lemma_seed = config.get("train.seed", 42)
    loss_log = open(args.loss_log, "w") if args.loss_log else None
    start_time = time.perf_counter()
    model.train()
    while step < total_steps:
        model.pr_force = 1.0 if forcing_end is None else max(0.0, 1 - epoch / forcing_end)
        order = (sortish_batches(train.source.lengths.tolist(), batch_size, lemma_seed, epoch) if args.lemma_order
                 else sortish(train.source.lengths, batch_size, rng))
        for indices in order:
            if step >= total_steps:
                break
            src, tgt = collate(train, indices, pad, eos)
            position = step / total_steps
            for group in optimizer.param_groups:
                group["lr"] = combined_cos(position, 0.25, peak / 25, peak, peak / 1e5)
                group["betas"] = (combined_cos(position, 0.25, 0.95, 0.85, 0.95), 0.999)
            model.out_sl = max(src.shape[1], tgt.shape[1]) + extra
            loss = twins.seq2seq_loss(model(src, tgt), tgt, pad)  # the transformer reads the whole target
            optimizer.zero_grad()
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip if clip > 0 else math.inf)
            optimizer.step()
            step += 1
            if loss_log:
                loss_log.write(json.dumps({"step": step, "loss": loss.item(), "grad_norm": norm.item(),
                                           "learning_rate": optimizer.param_groups[0]["lr"]}) + "\n")
            if step % eval_steps == 0 or step == total_steps:
                value = evaluate_loss(valid)
                history.append({"step": step, "eval_loss": value, **validation})
                if value < best:
                    best, best_state = value, {k: v.clone() for k, v in model.state_dict().items()}
                model.pr_force = 1.0 if forcing_end is None else max(0.0, 1 - epoch / forcing_end)
        epoch += 1
    training_seconds = time.perf_counter() - start_time
    if best_state is not None and config.get("train.load_best_model_at_end", True):
        model.load_state_dict(best_state)
    if args.save:
        from safetensors.torch import save_file
        state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items() if k != "out.weight"}
        save_file(state, args.save)

    result = {"impl": f"torch {torch.__version__}", "seed": seed, "steps": step, "training_seconds": training_seconds,
              "examples_per_second": step * batch_size / training_seconds, "best_eval_loss": best, **validation,
              "evaluations": history}
    if test is not None:
        import sacrebleu
        model.eval()
        a, b = config.get("decoding.max_length_a", 1.5), config.get("decoding.max_length_b", 10)
        hypotheses, references, exact, accuracy = [], [], 0, 0.0
        max_source = config.get("tokenizer.max_length", 128)
        with torch.no_grad():
            for indices in sorted_batches(test, eval_batch_size):  # seed 002's accuracy: whole sources
                src, tgt = collate(test, indices, pad, eos)
                predicted = free_running(model, src, max(src.shape[1], tgt.shape[1]), bos, pad)
                accuracy += seq2seq_accuracy(predicted, tgt, pad) * len(indices)
            # Decoding reads sources cut at tokenizer.max_length, as Lemma's does (its batches sort by the cut length).
            for indices in sorted_batches(test, eval_batch_size, max_source):
                src, _ = collate(test, indices, pad, eos)
                src = src[:, :max_source]
                limit = int(a * src.shape[1]) + b
                if isinstance(model, twins.Seq2SeqTransformer):
                    rows = transformer_greedy(model, src, limit, bos, eos, pad)
                    for k, i in enumerate(indices):
                        reference = [int(t) for t in test.target.row(i)]
                        exact += rows[k] == reference
                        hypotheses.append(" ".join(target_tokens[t] for t in rows[k]))
                        references.append(" ".join(target_tokens[t] for t in reference))
                    continue
                state = model.encoder(src.shape[0], src)
                rows = [[] for _ in indices]
                done = [False] * len(indices)
                token = torch.full((len(indices),), bos, dtype=torch.long)
                if isinstance(model, twins.Seq2SeqRNNAttention):
                    hid, enc_out = state
                    enc_att = model.enc_att(enc_out)
                for _ in range(limit):
                    if isinstance(model, twins.Seq2SeqRNNAttention):
                        hid, out = model.decoder(token, hid, enc_att, enc_out)
                    else:
                        state, out = model.decoder(token, state)
                    token = out.argmax(1)
                    if take(token, rows, done, eos, pad):
                        break
                    token = torch.where(torch.tensor(done), torch.full_like(token, pad), token)
                for k, i in enumerate(indices):
                    reference = [int(t) for t in test.target.row(i)]
                    exact += rows[k] == reference
                    hypotheses.append(" ".join(target_tokens[t] for t in rows[k]))
                    references.append(" ".join(target_tokens[t] for t in reference))
        bleu = sacrebleu.corpus_bleu(hypotheses, [references])
        result["bleu"], result["bleu_length_ratio"] = bleu.score, bleu.sys_len / bleu.ref_len
        result["exact_match"] = exact / len(test)
        result["seq2seq_accuracy"] = accuracy / len(test)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
