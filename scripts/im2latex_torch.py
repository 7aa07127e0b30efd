"""im2markup's model in PyTorch, under the same state-dict keys as Lemma's `Im2MarkupModel`
(Sources/LemmaModels/Im2Latex/Im2MarkupModel.swift, Im2MarkupEncoder.swift): the reference for the parity
fixtures (scripts/make_im2latex_fixtures.py), the PyTorch twin of an im2latex run (bench/im2latex_twin.py) and
the PyTorch side of `lemma-bench im2latex` (bench/im2latex_torch_bench.py).

CNN (nn.Sequential, keys cnn.<position>): six 3x3 convolutions with padding 1 and ReLU, BatchNorm after the
third, fifth and sixth, max pools 2x2, 2x2, (1,2) after the fourth and (2,1) after the fifth.
Row encoder (optional): a BiLSTM along each feature row, row r starting from row r of a learned table
[max_rows, 4*hidden] laid out as (h, c) x (forward, backward) x hidden.
Decoder: an LSTM over [token embedding; previous attentional output] (input feeding), Luong "general" attention
softmax(h . W m) over the grid, attentional output tanh(W_c [h; context]), dropout, output layer.

State-dict keys (as Lemma's):
  cnn.{0,3,6,9,12,16}.weight/bias                      convolutions
  cnn.{7,13,17}.weight/bias/running_mean/running_var/num_batches_tracked   BatchNorm
  row_encoder.lstm.{weight,bias}_{ih,hh}_l0[_reverse], row_encoder.initial_states.weight   (if any)
  embedding.weight, decoder.{weight,bias}_{ih,hh}_l0, attention.weight, attentional.weight, output.weight/bias
"""
import torch
import torch.nn.functional as F
from torch import nn


class Im2MarkupCNN(nn.Sequential):
    """[B, 1, H, W] -> [B, widths[5], H/8, W/8] (each pool rounds down). Lemma's CNN lists the Sequential's
    positions as its own children, so the keys are `cnn.0.weight`, `cnn.7.running_mean`, ..."""

    def __init__(self, widths=(64, 128, 256, 256, 512, 512)):
        assert len(widths) == 6, "Im2MarkupCNN: six channel counts"
        w = widths

        def conv(i, o):
            return nn.Conv2d(i, o, 3, padding=1)

        super().__init__(
            conv(1, w[0]), nn.ReLU(), nn.MaxPool2d(2),                              # 0 1 2
            conv(w[0], w[1]), nn.ReLU(), nn.MaxPool2d(2),                           # 3 4 5
            conv(w[1], w[2]), nn.BatchNorm2d(w[2]), nn.ReLU(),                      # 6 7 8
            conv(w[2], w[3]), nn.ReLU(), nn.MaxPool2d((1, 2)),                      # 9 10 11
            conv(w[3], w[4]), nn.BatchNorm2d(w[4]), nn.ReLU(), nn.MaxPool2d((2, 1)),  # 12 13 14 15
            conv(w[4], w[5]), nn.BatchNorm2d(w[5]), nn.ReLU(),                      # 16 17 18
        )

    @staticmethod
    def feature_size(height, width):
        return height // 2 // 2 // 2, width // 2 // 2 // 2


class RowEncoder(nn.Module):
    """One bidirectional LSTM run along every row of the feature map (weights shared by all rows), row r of
    every image starting from row r of `initial_states` (rows past the table reuse its last row).
    [B, C, H, W] -> [B, H*W, 2*hidden], positions row-major."""

    def __init__(self, input_size, hidden, max_rows):
        super().__init__()
        self.hidden = hidden
        self.lstm = nn.LSTM(input_size, hidden, batch_first=True, bidirectional=True)
        self.initial_states = nn.Embedding(max_rows, 4 * hidden)

    def forward(self, features):
        b, c, h, w = features.shape
        rows = features.permute(0, 2, 3, 1).reshape(b * h, w, c)      # sequence n = image * h + row
        ids = torch.arange(h, device=features.device).clamp(max=self.initial_states.num_embeddings - 1).repeat(b)
        # Each table row is [(h, c), (forward, backward), hidden] flattened; nn.LSTM wants h0, c0 as
        # [directions, sequences, hidden] (forward first).
        init = self.initial_states(ids).view(b * h, 2, 2, self.hidden).permute(1, 2, 0, 3)
        out, _ = self.lstm(rows, (init[0].contiguous(), init[1].contiguous()))
        return out.reshape(b, h * w, 2 * self.hidden)


class Im2Markup(nn.Module):
    """im2markup (row_encoder_hidden > 0) or seed 003's model (row_encoder_hidden == 0: the CNN's features,
    row-major, are the memory). Arguments mirror `Im2MarkupModel.Sizes`."""

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
        self.hidden, self.memory_size = decoder_hidden, memory
        self.embedding = nn.Embedding(vocab_size, embedding)
        self.decoder = nn.LSTM(embedding + decoder_hidden, decoder_hidden, batch_first=True)
        self.attention = nn.Linear(memory, decoder_hidden, bias=False)      # W of score(h, m) = h . W m
        self.attentional = nn.Linear(decoder_hidden + memory, decoder_hidden, bias=False)
        self.output = nn.Linear(decoder_hidden, vocab_size)
        self.dropout = nn.Dropout(dropout)

    def encode(self, images):
        """Images [B, 1, H, W] in [0, 1] -> the decoder's starting state: h, c [1, B, hidden] (zeros), feed
        [B, hidden] (zeros), memory [B, positions, memory] and keys = attention(memory) [B, positions, hidden].
        Every state entry has one row per decoder row (beam search repeats memory and keys per beam)."""
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
        """One decoder step for tokens [rows] -> (attentional output [rows, hidden], next state, attention
        weights [rows, positions]). The memory and keys are per row ([rows, positions, hidden]) or one image's,
        shared by every row ([positions, hidden]: a beam search over one image, as Lemma's beam reads it)."""
        x = torch.cat([self.embedding(tokens), state["feed"]], 1).unsqueeze(1)   # input feeding
        out, (h, c) = self.decoder(x, (state["h"], state["c"]))
        q = out[:, 0]
        if state["keys"].dim() == 2:
            weights = torch.softmax(q @ state["keys"].t(), 1)
            context = weights @ state["memory"]
        else:
            weights = torch.softmax(torch.bmm(state["keys"], q.unsqueeze(2)).squeeze(2), 1)
            context = torch.bmm(weights.unsqueeze(1), state["memory"]).squeeze(1)
        attended = torch.tanh(self.attentional(torch.cat([q, context], 1)))
        return attended, dict(state, h=h, c=c, feed=attended), weights

    def logits(self, attended):
        return self.output(self.dropout(attended))

    def forward(self, images, inputs):
        """Teacher-forced scores [B, T, V] for images [B, 1, H, W] and decoder inputs [B, T] (BOS, then the
        target shifted right), one step per position as Lemma's `callAsFunction`."""
        state = self.encode(images)
        outputs = []
        for t in range(inputs.shape[1]):
            attended, state, _ = self.step(inputs[:, t], state)
            outputs.append(attended)
        return self.logits(torch.stack(outputs, 1))

    @torch.no_grad()
    def greedy(self, images, bos, eos, max_len):
        """Best token at every step -> [B, steps] (stops once every row has produced `eos`; rows keep going
        after their own eos, so cut each row at its first eos)."""
        state = self.encode(images)
        tokens = torch.full((images.shape[0],), bos, dtype=torch.long, device=images.device)
        out, done = [], torch.zeros(images.shape[0], dtype=torch.bool, device=images.device)
        for _ in range(max_len):
            attended, state, _ = self.step(tokens, state)
            tokens = self.logits(attended).argmax(1)
            out.append(tokens)
            done |= tokens == eos
            if done.all():
                break
        return torch.stack(out, 1)

    @torch.no_grad()
    def beam_search(self, images, bos, eos, beams, max_len, length_penalty=1.0):
        """Beam search as Lemma's decoding library (LemmaDecoding/BeamSearch.swift, Hugging Face's `_beam_search`
        with early stopping "heuristic") runs it, one stop token: each step the 2*beams best continuations
        of all beams; those ending in `eos` (or at the length limit) within the best `beams` become finished
        hypotheses scored sum log p / length^length_penalty, the best `beams` others run on.
        Returns per image (tokens including the final eos, score) of the best finished hypothesis."""
        neg = -1e9
        items, k = images.shape[0], 2 * beams
        state = self.encode(images)
        rep = torch.arange(items, device=images.device).repeat_interleave(beams)
        state = {n: (v[:, rep] if n in ("h", "c") else v[rep]) for n, v in state.items()}
        tokens = torch.full((items * beams,), bos, dtype=torch.long, device=images.device)
        running = [[[] for _ in range(beams)] for _ in range(items)]
        running_scores = [[0.0] + [neg] * (beams - 1) for _ in range(items)]
        finished = [[[] for _ in range(beams)] for _ in range(items)]
        finished_scores = [[neg] * beams for _ in range(items)]
        flags = [[False] * beams for _ in range(items)]
        improvable = [True] * items

        def largest(values, count):  # indices of the largest, ties to the lower index
            return sorted(range(len(values)), key=lambda i: (-values[i], i))[:count]

        for generated in range(max_len):
            attended, state, _ = self.step(tokens, state)
            logp = torch.log_softmax(self.logits(attended).double(), 1).cpu()
            vocab = logp.shape[1]
            order, last, every_stopped = [], [], True
            for i in range(items):
                flat = (logp[i * beams:(i + 1) * beams] + torch.tensor(running_scores[i])[:, None]).reshape(-1).tolist()
                top = largest(flat, k)
                cand = [(flat[j], j // vocab, j % vocab) for j in top]
                stops = [t == eos or generated + 1 >= max_len for _, _, t in cand]
                every_stopped = every_stopped and all(stops)
                scores = [s + neg if stop else s for (s, _, _), stop in zip(cand, stops)]
                chosen = largest(scores, beams)
                old = running[i]
                running[i] = [old[cand[c][1]] + [cand[c][2]] for c in chosen]
                running_scores[i] = [scores[c] for c in chosen]
                order += [i * beams + cand[c][1] for c in chosen]
                last += [cand[c][2] for c in chosen]
                length = float(generated + 1)
                new_scores, new_flags = [], []
                for rank, ((s, _, _), stop) in enumerate(zip(cand, stops)):
                    just = stop and rank < beams
                    s = s / length ** length_penalty
                    s += (0 if improvable[i] else neg) + (0 if just else neg)
                    new_scores.append(s)
                    new_flags.append(just)
                merged_scores = finished_scores[i] + new_scores
                merged_tokens = finished[i] + [old[b] + [t] for _, b, t in cand]
                merged_flags = flags[i] + new_flags
                best = largest(merged_scores, beams)
                finished[i] = [merged_tokens[j] for j in best]
                finished_scores[i] = [merged_scores[j] for j in best]
                flags[i] = [merged_flags[j] for j in best]
                best_possible = running_scores[i][0] / length ** length_penalty
                worst = min(finished_scores[i])
                improvable[i] = improvable[i] and any(best_possible > (worst if f else neg) for f in flags[i])
            index = torch.tensor(order, device=images.device)
            state = {n: (v[:, index] if n in ("h", "c") else v[index]) for n, v in state.items()}
            tokens = torch.tensor(last, dtype=torch.long, device=images.device)
            if not any(improvable) or every_stopped:
                break
        return [(finished[i][0], finished_scores[i][0]) for i in range(items)]



class PeepholeLSTMCell(nn.Module):
    """TensorFlow's LSTMBlockCell with peepholes, gates in PyTorch's order (i, f, g, o): i and f also read c,
    o reads the new c. Keys weight_ih [4H, in], weight_hh [4H, H], bias [4H], peephole [3, H] (i, f, o)."""

    def __init__(self, input_size, hidden):
        super().__init__()
        self.hidden = hidden
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden, input_size).uniform_(-0.1, 0.1))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden, hidden).uniform_(-0.1, 0.1))
        self.bias = nn.Parameter(torch.zeros(4 * hidden))
        self.peephole = nn.Parameter(torch.empty(3, hidden).uniform_(-0.1, 0.1))

    def forward(self, x, h, c):
        gates = x @ self.weight_ih.T + self.bias + h @ self.weight_hh.T
        i, f, g, o = gates.chunk(4, 1)
        i = torch.sigmoid(i + c * self.peephole[0])
        f = torch.sigmoid(f + c * self.peephole[1])
        c = f * c + i * torch.tanh(g)
        o = torch.sigmoid(o + c * self.peephole[2])
        return o * torch.tanh(c), c


class Untrix(nn.Module):
    """Seed 003's model (untrix's im2latex) as Lemma's `UntrixModel` (Sources/LemmaModels/Im2Latex/UntrixModel.swift)
    computes it, under the same keys: the image centred on a canvas of paper with a one-pixel frame, (x - 0.5);
    five 3x3 tanh convolutions each followed by 2x2 max pooling (the first unpadded); the grid regrouped into
    vertical strips (or kept as cells); MLP attention over [flattened grid; top h]; an initial state MLP; stacked
    peephole LSTMs over [E y; z]; an output MLP over [E y; h; z]."""

    def __init__(self, vocab_size, cnn_widths=(64, 128, 256, 512, 512), canvas=(64, 544), strips=True, embedding=64,
                 decoder_hidden=1500, layers=2, output_hidden=358):
        super().__init__()
        self.canvas, self.strips, self.layers = canvas, strips, layers
        modules, channels = [], 1
        for index, width in enumerate(cnn_widths):
            modules += [nn.Conv2d(channels, width, 3, padding=0 if index == 0 else 1), nn.Tanh(), nn.MaxPool2d(2)]
            channels = width
        self.cnn = nn.Sequential(*modules)
        h0, w0 = canvas[0] // 32, canvas[1] // 32
        self.locations, self.depth = (w0, h0 * channels) if strips else (h0 * w0, channels)
        flat = self.locations * self.depth
        self.embedding = nn.Embedding(vocab_size, embedding)
        self.decoder = nn.ModuleList([PeepholeLSTMCell(embedding + self.depth if k == 0 else decoder_hidden, decoder_hidden)
                                      for k in range(layers)])
        first, second = max(self.locations, 256), max(self.locations, 128)
        self.attention_image = nn.Linear(flat, first)
        self.attention_state = nn.Linear(decoder_hidden, first, bias=False)
        self.attention_hidden = nn.Linear(first, second)
        self.attention_scores = nn.Linear(second, self.locations)
        shared = min(self.depth, 100)
        self.init_shared = nn.Linear(flat, shared)
        self.init_heads = nn.ModuleList([nn.Linear(shared, decoder_hidden) for _ in range(2 * layers)])
        self.output_hidden = nn.ModuleList([nn.Linear(embedding + decoder_hidden + self.depth, output_hidden),
                                            nn.Linear(output_hidden, output_hidden)])
        self.output = nn.Linear(output_hidden, vocab_size)

    def framed(self, images):
        height, width = self.canvas
        h, w = images.shape[2:]
        factor = max(-(-h // height), -(-w // width))
        if factor > 1:
            images = F.avg_pool2d(images, factor)
            h, w = images.shape[2:]
        top, left = (height - h) // 2 + 1, (width - w) // 2 + 1
        return F.pad(images, (left, width + 2 - w - left, top, height + 2 - h - top), value=1.0) - 0.5

    def encode(self, images):
        features = self.cnn(self.framed(images))
        b, c, h, w = features.shape
        memory = (features.permute(0, 3, 2, 1).reshape(b, w, h * c) if self.strips
                  else features.permute(0, 2, 3, 1).reshape(b, h * w, c))
        flat = memory.reshape(b, -1)
        shared = torch.tanh(self.init_shared(flat))
        starts = [torch.tanh(head(shared)) for head in self.init_heads]
        return {"memory": memory, "keys": self.attention_image(flat),
                "h": [starts[2 * k] for k in range(self.layers)], "c": [starts[2 * k + 1] for k in range(self.layers)]}

    def step(self, tokens, state):
        scores = self.attention_scores(torch.tanh(self.attention_hidden(torch.tanh(state["keys"] + self.attention_state(state["h"][-1])))))
        weights = torch.softmax(scores, 1)
        context = torch.bmm(weights[:, None, :], state["memory"])[:, 0]
        embedded = self.embedding(tokens)
        x, hs, cs = torch.cat([embedded, context], 1), [], []
        for cell, h, c in zip(self.decoder, state["h"], state["c"]):
            x, c = cell(x, h, c)
            hs.append(x)
            cs.append(c)
        return torch.cat([embedded, x, context], 1), dict(state, h=hs, c=cs), weights

    def logits(self, features):
        return self.output(torch.tanh(self.output_hidden[1](torch.tanh(self.output_hidden[0](features)))))

    def forward(self, images, inputs):
        state = self.encode(images)
        outs = []
        for t in range(inputs.shape[1]):
            features, state, _ = self.step(inputs[:, t], state)
            outs.append(features)
        return self.logits(torch.stack(outs, 1))

def loss(logits, targets, pad):
    """Mean cross-entropy over the non-pad targets."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad)
