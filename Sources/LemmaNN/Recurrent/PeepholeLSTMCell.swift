import LemmaTensor

/// One step of an LSTM with peephole connections (Gers & Schmidhuber; TensorFlow's `LSTMBlockCell` with
/// `use_peephole`, which seed 003's decoder stacks): the input and forget gates also read the previous cell
/// state, the output gate the new one.
///
///     i = σ(W_i x + U_i h + p_i ⊙ c + b_i)      f = σ(W_f x + U_f h + p_f ⊙ c + b_f)
///     g = tanh(W_g x + U_g h + b_g)             c' = f ⊙ c + i ⊙ g
///     o = σ(W_o x + U_o h + p_o ⊙ c' + b_o)     h' = o ⊙ tanh(c')
///
/// Keys: `weight_ih` [4H, in] and `weight_hh` [4H, H] with gates in PyTorch's order (i, f, g, o), `bias` [4H],
/// `peephole` [3, H] (i, f, o). Initialized as TensorFlow initializes the cell under a Glorot-uniform scope:
/// the kernel [in + H, 4H] Glorot-uniform, peepholes Glorot-uniform over their length, biases zero except
/// the forget gate's, which starts at `forgetBias` (TensorFlow adds that constant to a zero-initialized
/// bias: the same function and gradients). `cellClip` bounds c' as the cell's `cell_clip` does.
public final class PeepholeLSTMCell: Module {
    public let weightIH: Tensor, weightHH: Tensor, bias: Tensor, peephole: Tensor
    public let hiddenSize: Int
    public let cellClip: Float?

    public init(inputSize: Int, hiddenSize: Int, forgetBias: Float = 1, cellClip: Float? = nil, generator: RandomGenerator? = nil) {
        let bound = WeightInitialization.glorotBound(fanIn: inputSize + hiddenSize, fanOut: 4 * hiddenSize)
        weightIH = .uniformParameter([4 * hiddenSize, inputSize], bound: bound, generator: generator)
        weightHH = .uniformParameter([4 * hiddenSize, hiddenSize], bound: bound, generator: generator)
        peephole = .uniformParameter([3, hiddenSize], bound: WeightInitialization.glorotBound(fanIn: hiddenSize, fanOut: hiddenSize),
                                     generator: generator)
        var start = [Float](repeating: 0, count: 4 * hiddenSize)
        for k in hiddenSize..<(2 * hiddenSize) { start[k] = forgetBias }
        bias = Tensor(start, shape: [4 * hiddenSize])
        bias.requiresGrad = true
        self.hiddenSize = hiddenSize
        self.cellClip = cellClip
        super.init()
    }

    public override func ownParameters() -> [(key: String, tensor: Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias", bias), ("peephole", peephole)]
    }

    /// One step for a batch: x [B, in], h and c [B, H] → (h', c').
    public func callAsFunction(_ x: Tensor, hidden h: Tensor, cell c: Tensor) -> (hidden: Tensor, cell: Tensor) {
        let n = hiddenSize
        let gates = x.linear(weight: weightIH, bias: bias) + h.linear(weight: weightHH, bias: nil)
        func gate(_ k: Int) -> Tensor { gates.slice(axis: 1, (k * n)..<((k + 1) * n)) }
        func peep(_ k: Int) -> Tensor { peephole.slice(axis: 0, k..<(k + 1)) }
        let input = (gate(0) + c * peep(0)).sigmoid()
        let forget = (gate(1) + c * peep(1)).sigmoid()
        var next = forget * c + input * gate(2).tanh()
        if let cellClip { next = next.minimum(Tensor.full(next.shape, cellClip)).maximum(Tensor.full(next.shape, -cellClip)) }
        let output = (gate(3) + next * peep(2)).sigmoid()
        return (output * next.tanh(), next)
    }
}
