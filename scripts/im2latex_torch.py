"""im2markup's model in PyTorch, under the same state-dict keys as Lemma's `Im2MarkupModel`: the reference
for the parity fixtures (scripts/make_im2latex_fixtures.py) and the PyTorch side of im2latex comparisons.

CNN (nn.Sequential, keys cnn.<position>): six 3x3 convolutions with padding 1 and ReLU, BatchNorm after the
third, fifth and sixth, max pools 2x2, 2x2, (1,2) after the fourth and (2,1) after the fifth.
Row encoder (optional): a BiLSTM along each feature row, row r starting from row r of a learned table
[max_rows, 4*hidden] laid out as (h, c) x (forward, backward) x hidden.
Decoder: an LSTM over [token embedding; previous attentional output] (input feeding), Luong attention
softmax(h . W m) over the grid, attentional output tanh(W_c [h; context]), output layer.
"""
import torch
import torch.nn.functional as F
from torch import nn


class Im2MarkupCNN(nn.Sequential):
    def __init__(self, widths=(64, 128, 256, 256, 512, 512)):
        w = widths

        def conv(i, o):
            return nn.Conv2d(i, o, 3, padding=1)

        super().__init__(
            conv(1, w[0]), nn.ReLU(), nn.MaxPool2d(2),
            conv(w[0], w[1]), nn.ReLU(), nn.MaxPool2d(2),
            conv(w[1], w[2]), nn.BatchNorm2d(w[2]), nn.ReLU(),
            conv(w[2], w[3]), nn.ReLU(), nn.MaxPool2d((1, 2)),
            conv(w[3], w[4]), nn.BatchNorm2d(w[4]), nn.ReLU(), nn.MaxPool2d((2, 1)),
            conv(w[4], w[5]), nn.BatchNorm2d(w[5]), nn.ReLU(),
        )


class RowEncoder(nn.Module):
    def __init__(self, input_size, hidden, max_rows):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(input_size, hidden, batch_first=True, bidirectional=True)
        self.initial_states = nn.Embedding(max_rows, 4 * hidden)

    def forward(self, features):
        b, c, h, w = features.shape
        rows = features.permute(0, 2, 3, 1).reshape(b * h, w, c)
        ids = torch.arange(h).clamp(max=self.initial_states.num_embeddings - 1).repeat(b)
        init = self.initial_states(ids).view(b * h, 2, 2, self.hidden).permute(1, 2, 0, 3)
        out, _ = self.lstm(rows, (init[0].contiguous(), init[1].contiguous()))
        return out.reshape(b, h * w, 2 * self.hidden)


class Im2Markup(nn.Module):
    def __init__(self, vocab_size, cnn_widths=(64, 128, 256, 256, 512, 512), row_encoder_hidden=256, max_rows=128,
                 embedding=80, decoder_hidden=512, dropout=0.0):
        super().__init__()
        self.cnn = Im2MarkupCNN(cnn_widths)
        if row_encoder_hidden > 0:
            self.row_encoder = RowEncoder(cnn_widths[5], row_encoder_hidden, max_rows)
            memory = 2 * row_encoder_hidden
        else:
            self.row_encoder = None
            memory = cnn_widths[5]
        self.hidden = decoder_hidden
        self.embedding = nn.Embedding(vocab_size, embedding)
        self.decoder = nn.LSTM(embedding + decoder_hidden, decoder_hidden, batch_first=True)
        self.attention = nn.Linear(memory, decoder_hidden, bias=False)
        self.attentional = nn.Linear(decoder_hidden + memory, decoder_hidden, bias=False)
        self.output = nn.Linear(decoder_hidden, vocab_size)
        self.dropout = nn.Dropout(dropout)

    def encode(self, images):
        features = self.cnn(images)
        if self.row_encoder is not None:
            memory = self.row_encoder(features)
        else:
            b, c, h, w = features.shape
            memory = features.permute(0, 2, 3, 1).reshape(b, h * w, c)
        b = images.shape[0]
        zeros = images.new_zeros(1, b, self.hidden)
        return {"h": zeros, "c": zeros, "feed": images.new_zeros(b, self.hidden), "memory": memory,
                "keys": self.attention(memory)}

    def step(self, tokens, state):
        x = torch.cat([self.embedding(tokens), state["feed"]], 1).unsqueeze(1)
        out, (h, c) = self.decoder(x, (state["h"], state["c"]))
        q = out[:, 0]
        weights = torch.softmax(torch.bmm(state["keys"], q.unsqueeze(2)).squeeze(2), 1)
        context = torch.bmm(weights.unsqueeze(1), state["memory"]).squeeze(1)
        attended = torch.tanh(self.attentional(torch.cat([q, context], 1)))
        return attended, dict(state, h=h, c=c, feed=attended), weights

    def forward(self, images, inputs):
        state = self.encode(images)
        outputs = []
        for t in range(inputs.shape[1]):
            attended, state, _ = self.step(inputs[:, t], state)
            outputs.append(attended)
        return self.output(self.dropout(torch.stack(outputs, 1)))

    @torch.no_grad()
    def greedy(self, images, bos, eos, max_len):
        state = self.encode(images)
        tokens = torch.full((images.shape[0],), bos, dtype=torch.long)
        out, done = [], torch.zeros(images.shape[0], dtype=torch.bool)
        for _ in range(max_len):
            attended, state, _ = self.step(tokens, state)
            tokens = self.output(attended).argmax(1)
            out.append(tokens)
            done |= tokens == eos
            if done.all():
                break
        return torch.stack(out, 1)


def loss(logits, targets, pad):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad)
