#!/usr/bin/env python3
"""PyTorch reference for Lemma's seq2seq `gru` and `gru_attention` presets
(Tests/LemmaModelsTests/Fixtures/seq2seq_gru.safetensors, seq2seq_gru_attention.safetensors).

    /usr/bin/python3 scripts/make_seq2seq_fixtures.py Tests/LemmaModelsTests/Fixtures

Seed 002's `Seq2SeqRNN` (fastai course-nlp 7b's, with teacher forcing) at small sizes, in eval mode (no
dropout), float64, stored as float32:
  source [B, S], target [B, T] (I64)                      one batch, pad id 1, bos 0
  param.<key>                                             its state_dict, without out.weight (tied to emb_dec.weight)
  forced.output [B, T, V], forced.loss, forced.grad.<key> teacher forcing on every step, seed 002's seq2seq_loss
  free.output [B, steps, V]                               each step fed its previous best token, 7 steps
The attention file holds the same for fastai course-nlp 7b's `Seq2SeqRNN_attn` (bidirectional encoder,
additive attention, decoder input [embedding; context]).

seq2seq_transformer_{post,pre}.safetensors: an encoder–decoder `nn.Transformer` (batch-first; post-LN with
sinusoidal positions, pre-LN with learned ones), embeddings scaled by sqrt(d), the output tied to the target
embedding with its own bias, source padding masked; in train mode with dropout 0:
  source, target, param.<key>, forced.output [B, T, V] (decoder fed BOS + target shifted right, causal mask),
  forced.loss, forced.grad.<key>

seq2seq_loss.safetensors: seed 002's seq2seq_loss where the lengths differ, each side's padding exercised:
  shorter.output [2, 3, 5], shorter.target [2, 5], shorter.loss, shorter.grad (of the loss by the output);
  longer.output [2, 6, 5], longer.target [2, 4], longer.loss, longer.grad
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

torch.set_default_dtype(torch.float64)
VOCAB_IN, VOCAB_OUT, EMB, HIDDEN = 17, 13, 7, 6


class Seq2SeqRNN(nn.Module):
    """Seed 002's model, word for word apart from the teacher-forcing probability being an argument."""

    def __init__(self, emb_enc, emb_dec, nh, out_sl, nl=2, bos_idx=0, pad_idx=1):
        super().__init__()
        self.nl, self.nh, self.out_sl = nl, nh, out_sl
        self.bos_idx, self.pad_idx = bos_idx, pad_idx
        self.em_sz_enc = emb_enc.embedding_dim
        self.em_sz_dec = emb_dec.embedding_dim
        self.voc_sz_dec = emb_dec.num_embeddings
        self.emb_enc = emb_enc
        self.emb_enc_drop = nn.Dropout(0.15)
        self.gru_enc = nn.GRU(self.em_sz_enc, nh, num_layers=nl, dropout=0.25, batch_first=True)
        self.out_enc = nn.Linear(nh, self.em_sz_dec, bias=False)
        self.emb_dec = emb_dec
        self.gru_dec = nn.GRU(self.em_sz_dec, self.em_sz_dec, num_layers=nl, dropout=0.1, batch_first=True)
        self.out_drop = nn.Dropout(0.35)
        self.out = nn.Linear(self.em_sz_dec, self.voc_sz_dec)
        self.out.weight.data = self.emb_dec.weight.data
        self.pr_force = 0.0

    def encoder(self, bs, inp):
        h = torch.zeros(self.nl, bs, self.nh)
        emb = self.emb_enc_drop(self.emb_enc(inp))
        _, h = self.gru_enc(emb, h)
        return self.out_enc(h)

    def decoder(self, dec_inp, h):
        emb = self.emb_dec(dec_inp).unsqueeze(1)
        outp, h = self.gru_dec(emb, h)
        return h, self.out(self.out_drop(outp[:, 0]))

    def forward(self, inp, targ=None):
        bs, sl = inp.size()
        h = self.encoder(bs, inp)
        dec_inp = inp.new_zeros(bs).long() + self.bos_idx
        res = []
        for i in range(self.out_sl):
            h, outp = self.decoder(dec_inp, h)
            res.append(outp)
            dec_inp = outp.max(1)[1]
            if (dec_inp == self.pad_idx).all():
                break
            if (targ is not None) and (torch.rand(1).item() < self.pr_force):
                if i >= targ.shape[1]:
                    continue
                dec_inp = targ[:, i]
        return torch.stack(res, dim=1)


class Seq2SeqRNNAttention(Seq2SeqRNN):
    """fastai course-nlp 7b's attention model: the encoder is bidirectional, its final states are read as the
    course reads them (view(2, nl, bs, nh)), and each decoder step attends over every encoder output."""

    def __init__(self, emb_enc, emb_dec, nh, out_sl, nl=2, bos_idx=0, pad_idx=1):
        super().__init__(emb_enc, emb_dec, nh, out_sl, nl, bos_idx, pad_idx)
        self.gru_enc = nn.GRU(self.em_sz_enc, nh, num_layers=nl, dropout=0.25, batch_first=True, bidirectional=True)
        self.out_enc = nn.Linear(2 * nh, self.em_sz_dec, bias=False)
        self.gru_dec = nn.GRU(self.em_sz_dec + 2 * nh, self.em_sz_dec, num_layers=nl, dropout=0.1, batch_first=True)
        self.enc_att = nn.Linear(2 * nh, self.em_sz_dec, bias=False)
        self.hid_att = nn.Linear(self.em_sz_dec, self.em_sz_dec)
        self.V = nn.Parameter(torch.randn(self.em_sz_dec) / math.sqrt(self.em_sz_dec))

    def encoder(self, bs, inp):
        h = torch.zeros(2 * self.nl, bs, self.nh)
        emb = self.emb_enc_drop(self.emb_enc(inp))
        enc_out, hid = self.gru_enc(emb, 2 * h)
        pre_hid = hid.view(2, self.nl, bs, self.nh).permute(1, 2, 0, 3).contiguous().view(self.nl, bs, 2 * self.nh)
        return self.out_enc(pre_hid), enc_out

    def decoder(self, dec_inp, hid, enc_att, enc_out):
        hid_att = self.hid_att(hid[-1])
        u = torch.tanh(enc_att + hid_att[:, None])
        attn_wgts = F.softmax(u @ self.V, 1)
        ctx = (attn_wgts[..., None] * enc_out).sum(1)
        emb = self.emb_dec(dec_inp)
        outp, hid = self.gru_dec(torch.cat([emb, ctx], 1)[:, None], hid)
        return hid, self.out(self.out_drop(outp[:, 0]))

    def forward(self, inp, targ=None):
        bs, sl = inp.size()
        hid, enc_out = self.encoder(bs, inp)
        dec_inp = inp.new_zeros(bs).long() + self.bos_idx
        enc_att = self.enc_att(enc_out)
        res = []
        for i in range(self.out_sl):
            hid, outp = self.decoder(dec_inp, hid, enc_att, enc_out)
            res.append(outp)
            dec_inp = outp.max(1)[1]
            if (dec_inp == self.pad_idx).all():
                break
            if (targ is not None) and (torch.rand(1).item() < self.pr_force):
                if i >= targ.shape[1]:
                    continue
                dec_inp = targ[:, i]
        return torch.stack(res, dim=1)


class Seq2SeqTransformer(nn.Module):
    def __init__(self, vocab_in, vocab_out, d, heads, layers, ff, norm_first, learned, max_positions=16, bos_idx=0, pad_idx=1,
                 dropout=0.0):
        super().__init__()
        self.d, self.bos_idx, self.pad_idx = d, bos_idx, pad_idx
        self.src_emb = nn.Embedding(vocab_in, d, padding_idx=pad_idx)
        self.tgt_emb = nn.Embedding(vocab_out, d, padding_idx=pad_idx)
        self.pos_emb = nn.Embedding(max_positions, d) if learned else None
        self.transformer = nn.Transformer(d, heads, layers, layers, ff, dropout=dropout, batch_first=True, norm_first=norm_first)
        self.out_bias = nn.Parameter(torch.randn(vocab_out) * 0.1)
        self.emb_drop = nn.Dropout(dropout)

    def positions(self, length):
        if self.pos_emb is not None:
            return self.pos_emb(torch.arange(length))
        position = torch.arange(length, dtype=torch.float64)[:, None]
        rate = torch.pow(10000.0, torch.arange(0, self.d, 2, dtype=torch.float64) / self.d)
        table = torch.zeros(length, self.d)
        table[:, 0::2] = torch.sin(position / rate)
        table[:, 1::2] = torch.cos(position / rate)
        return table

    def embed(self, ids, table):
        return self.emb_drop(table(ids) * math.sqrt(self.d) + self.positions(ids.shape[1]))

    def forward(self, src, tgt):
        shifted = torch.cat([torch.full_like(tgt[:, :1], self.bos_idx), tgt[:, :-1]], 1)
        causal = torch.triu(torch.full((tgt.shape[1], tgt.shape[1]), float("-inf")), 1)
        padding = src == self.pad_idx
        out = self.transformer(self.embed(src, self.src_emb), self.embed(shifted, self.tgt_emb), tgt_mask=causal,
                               src_key_padding_mask=padding, memory_key_padding_mask=padding)
        return out @ self.tgt_emb.weight.T + self.out_bias


def transformer_fixtures(norm_first, learned):
    torch.manual_seed(1)
    model = Seq2SeqTransformer(VOCAB_IN, VOCAB_OUT, 8, 2, 2, 12, norm_first, learned).train()
    source = torch.tensor([[4, 9, 3, 12, 5], [6, 2, 16, 1, 1], [7, 7, 8, 14, 2]])
    target = torch.tensor([[3, 5, 2, 8, 1, 1], [6, 11, 4, 1, 1, 1], [12, 9, 9, 3, 10, 4]])
    fixtures = {"source": source, "target": target}
    for key, value in model.state_dict().items():
        fixtures[f"param.{key}"] = value.clone()
    out = model(source, target)
    loss = seq2seq_loss(out, target)
    loss.backward()
    fixtures["forced.output"], fixtures["forced.loss"] = out.detach(), loss.detach()
    for key, parameter in model.named_parameters():
        fixtures[f"forced.grad.{key}"] = parameter.grad.clone()
    return {k: (v.float() if v.is_floating_point() else v) for k, v in fixtures.items()}


def seq2seq_loss(out, targ, pad_idx=1):
    bs, targ_len = targ.size()
    _, out_len, vs = out.size()
    if targ_len > out_len:
        out = F.pad(out, (0, 0, 0, targ_len - out_len, 0, 0), value=pad_idx)
    if out_len > targ_len:
        targ = F.pad(targ, (0, out_len - targ_len, 0, 0), value=pad_idx)
    return F.cross_entropy(out.reshape(-1, vs), targ.reshape(-1))


def fixtures_of(model):
    source = torch.tensor([[4, 9, 3, 12, 5], [1, 1, 6, 2, 16], [7, 7, 8, 14, 2]])
    target = torch.tensor([[3, 5, 2, 8, 1], [6, 11, 4, 1, 1], [12, 9, 9, 3, 10]])
    fixtures = {"source": source, "target": target}
    for key, value in model.state_dict().items():
        if key != "out.weight":
            fixtures[f"param.{key}"] = value.clone()
    model.pr_force = 1.0
    forced = model(source, target)
    loss = seq2seq_loss(forced, target)
    loss.backward()
    fixtures["forced.output"], fixtures["forced.loss"] = forced.detach(), loss.detach()
    for key, parameter in model.named_parameters():  # out.weight is emb_dec.weight: one gradient, listed once
        fixtures[f"forced.grad.{key}"] = parameter.grad.clone()
    model.pr_force, model.out_sl = 0.0, 7
    with torch.no_grad():
        fixtures["free.output"] = model(source)
    return {k: (v.float() if v.is_floating_point() else v) for k, v in fixtures.items()}


def loss_fixtures():
    """seq2seq_loss when the output is shorter than the targets (the output padded with the constant pad_idx
    as every score) and when it is longer (the targets padded with pad_idx)."""
    torch.manual_seed(2)
    fixtures = {}
    for name, out_len, targ_len in [("shorter", 3, 5), ("longer", 6, 4)]:
        out = torch.randn(2, out_len, 5, requires_grad=True)
        target = torch.randint(0, 5, (2, targ_len))
        target[1, min(out_len, targ_len) - 1] = 1  # a pad target scored against a real output row, not a padded one
        loss = seq2seq_loss(out, target)
        loss.backward()
        fixtures.update({f"{name}.output": out.detach(), f"{name}.target": target, f"{name}.loss": loss.detach(),
                         f"{name}.grad": out.grad.clone()})
    return {k: (v.float() if v.is_floating_point() else v) for k, v in fixtures.items()}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "Tests/LemmaModelsTests/Fixtures"
    write_safetensors(os.path.join(out_dir, "seq2seq_loss.safetensors"), loss_fixtures())
    for name, kind in [("seq2seq_gru", Seq2SeqRNN), ("seq2seq_gru_attention", Seq2SeqRNNAttention)]:
        torch.manual_seed(0)
        model = kind(nn.Embedding(VOCAB_IN, EMB, padding_idx=1), nn.Embedding(VOCAB_OUT, EMB, padding_idx=1),
                     HIDDEN, out_sl=5).eval()
        fixtures = fixtures_of(model)
        write_safetensors(os.path.join(out_dir, f"{name}.safetensors"), fixtures)
        print(name, {k: tuple(v.shape) for k, v in fixtures.items() if not k.startswith(("param.", "forced.grad."))})
    for name, norm_first, learned in [("post", False, False), ("pre", True, True)]:
        fixtures = transformer_fixtures(norm_first, learned)
        write_safetensors(os.path.join(out_dir, f"seq2seq_transformer_{name}.safetensors"), fixtures)
        print(f"transformer {name}", sorted(k for k in fixtures if k.startswith("param.")))


if __name__ == "__main__":
    main()
