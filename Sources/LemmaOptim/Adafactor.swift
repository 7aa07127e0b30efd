import Foundation
import LemmaTensor

/// Adafactor (Shazeer & Stern 2018, "Adaptive Learning Rates with Sublinear Memory Cost"), as PyTorch 2.5+'s
/// torch.optim.Adafactor. Its point is memory: for a parameter with two or more dims it keeps only the means
/// of g² along the rows and along the columns of the last two dims (R + C numbers per R×C matrix rather than
/// R·C) and rebuilds the second moment from them. At step t, for θ with gradient g (−g when maximizing):
///
///     w = t^beta2Decay  (the weight of the new g², 1 at t = 1),   ρ = min(lr, 1/√t),   α = max(eps2, RMS(θ))·ρ
///     θ = θ·(1 − lr·weightDecay)
///     matrices: R += w·(mean over columns of g² − R),  C += w·(mean over rows of g² − C),
///               V = R·C / max(mean(R), eps1)
///     vectors:  V += w·(g² − V)
///     U = g / √max(V, eps1²),   θ = θ − α / max(1, RMS(U)/d) · U
public final class Adafactor: Optimizer {
    public struct Options: OptimizerOptions {
        /// Caps the relative step size ρ and scales the weight decay; the paper's constant is 1e-2.
        public var learningRate: Float
        public var beta2Decay: Float
        /// Floors the second-moment estimate; nil means the float32 machine epsilon, as PyTorch.
        public var eps1: Float?
        /// Floors RMS(θ), so parameters that start at zero still move.
        public var eps2: Float
        /// The update-clipping threshold on RMS(U).
        public var d: Float
        public var weightDecay: Float
        public var maximize: Bool

        public init(learningRate: Float = 1e-2, beta2Decay: Float = -0.8, eps1: Float? = nil, eps2: Float = 1e-3,
                    d: Float = 1, weightDecay: Float = 0, maximize: Bool = false) {
            self.learningRate = learningRate
            self.beta2Decay = beta2Decay
            self.eps1 = eps1
            self.eps2 = eps2
            self.d = d
            self.weightDecay = weightDecay
            self.maximize = maximize
        }

        public func validate(_ optimizer: String) throws {
            try require(isNonNegative(learningRate), optimizer, "lr", learningRate, "a finite number >= 0")
            try require(beta2Decay <= 0 && beta2Decay.isFinite, optimizer, "beta2_decay", beta2Decay, "a finite number <= 0")
            if let eps1 { try require(isNonNegative(eps1), optimizer, "eps1", eps1, "a finite number >= 0") }
            try require(isNonNegative(eps2), optimizer, "eps2", eps2, "a finite number >= 0")
            try require(d >= 1 && d.isFinite, optimizer, "d", d, "a finite number >= 1")
            try require(isNonNegative(weightDecay), optimizer, "weight_decay", weightDecay, "a finite number >= 0")
        }
    }

    /// Factored statistics (`rowVar`, `colVar`, PyTorch's shapes [..., R, 1] and [..., 1, C]) for parameters
    /// with two or more dims; the full `variance` for vectors and scalars.
    final class State {
        let parameterShape: [Int]
        var step: Int
        let rowVar: Tensor?
        let colVar: Tensor?
        let variance: Tensor?

        init(_ parameterShape: [Int], step: Int, rowVar: Tensor?, colVar: Tensor?, variance: Tensor?) {
            self.parameterShape = parameterShape
            self.step = step
            self.rowVar = rowVar
            self.colVar = colVar
            self.variance = variance
        }
    }

    public var groups: [ParameterGroup<Options>]
    private var states: [Int: State] = [:]
    /// Two rows' worth of working space (column means, one row of U), grown to the widest matrix once.
    private var scratch = Tensor.zeros([0])

    public convenience init(_ parameters: [Tensor], _ options: Options = Options()) throws {
        try self.init(groups: [ParameterGroup(parameters, options)])
    }

    public init(groups: [ParameterGroup<Options>]) throws {
        self.groups = try Self.validated(groups, "Adafactor")
    }

    public func step() {
        forEachTrainable { index, parameter, grad, options in
            guard parameter.count > 0 else { return }
            let state = states[index] ?? makeState(index, parameter)
            checkState("Adafactor", index, parameter, madeFor: state.parameterShape)
            state.step += 1
            let t = Double(state.step), lr = Double(options.learningRate), n = parameter.count
            let weight = Float(pow(t, Double(options.beta2Decay)))
            let rho = min(lr, 1 / t.squareRoot())
            let rms = (parameter.backend.sumOfSquares(parameter.storage) / Double(n)).squareRoot()
            let alpha = max(Double(options.eps2), rms) * rho
            let eps1 = options.eps1 ?? Float.ulpOfOne
            let p = parameter.storage.pointer
            if options.weightDecay != 0 {
                let keep = Float(1 - lr * Double(options.weightDecay))
                for i in 0..<n { p[i] *= keep }
            }
            let update = Update(gradient: grad.storage.pointer, sign: options.maximize ? -1 : 1, eps1: eps1)
            if let rowVar = state.rowVar, let colVar = state.colVar {
                factoredStep(parameter, update, rowVar.storage.pointer, colVar.storage.pointer, weight, alpha, options.d)
            } else if let variance = state.variance {
                vectorStep(p, n, update, variance.storage.pointer, weight, alpha, options.d)
            }
        }
    }

    /// What U is made of: the (signed) gradient and the floor eps1 on √V.
    struct Update {
        let gradient: UnsafeMutablePointer<Float>
        let sign: Float
        let eps1: Float
    }

    private func factoredStep(_ parameter: Tensor, _ update: Update, _ rowVar: UnsafeMutablePointer<Float>,
                              _ colVar: UnsafeMutablePointer<Float>, _ weight: Float, _ alpha: Double, _ d: Float) {
        let rows = parameter.shape[parameter.rank - 2], cols = parameter.shape[parameter.rank - 1]
        let n = parameter.count, matrices = n / (rows * cols)
        if scratch.count < 2 * cols { scratch = Tensor.zeros([2 * cols]) }
        let column = scratch.storage.pointer, u = column + cols
        let g = update.gradient, p = parameter.storage.pointer, sign = update.sign, eps1 = update.eps1

        // Row and column means of g² (the sign does not matter here), into R and C.
        for b in 0..<matrices {
            let gb = g + b * rows * cols, r = rowVar + b * rows, c = colVar + b * cols
            column.update(repeating: 0, count: cols)
            for i in 0..<rows {
                let row = gb + i * cols
                let rowMean = Float(squaredSum(row, cols) / Double(cols))
                r[i] += weight * (rowMean - r[i])
                for j in 0..<cols { column[j] += row[j] * row[j] }
            }
            let rowCount = Float(rows)
            for j in 0..<cols { c[j] += weight * (column[j] / rowCount - c[j]) }
        }

        // U one row at a time into scratch. √max(R_i·C_j / mean(R), eps1²) = max(√(R_i / mean(R))·√C_j, eps1),
        // so square roots are taken per row and column, not per element, and the element loop vectorizes.
        func forEachUpdateRow(_ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
            for b in 0..<matrices {
                let r = rowVar + b * rows, c = colVar + b * cols
                var sum = 0.0
                for i in 0..<rows { sum += Double(r[i]) }
                let meanRowVar = max(Float(sum / Double(rows)), eps1)
                for j in 0..<cols { column[j] = c[j].squareRoot() }
                for i in 0..<rows {
                    let index = b * rows + i, row = g + index * cols
                    let rowRoot = (r[i] / meanRowVar).squareRoot()
                    for j in 0..<cols { u[j] = sign * row[j] / max(rowRoot * column[j], eps1) }
                    body(index, u)
                }
            }
        }
        // Once for RMS(U), once to apply θ −= α / max(1, RMS(U)/d) · U.
        var squares = 0.0
        forEachUpdateRow { _, row in squares += squaredSum(row, cols) }
        let scale = Float(alpha / max(1, (squares / Double(n)).squareRoot() / Double(d)))
        forEachUpdateRow { index, row in
            let pRow = p + index * cols
            for j in 0..<cols { pRow[j] -= scale * row[j] }
        }
    }

    private func vectorStep(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ update: Update,
                            _ v: UnsafeMutablePointer<Float>, _ weight: Float, _ alpha: Double, _ d: Float) {
        // PyTorch's floor, eps1² in Double, on V itself: one square root per element either way.
        let g = update.gradient, floor = Float(Double(update.eps1) * Double(update.eps1)), sign = update.sign
        var squares = 0.0
        for i in 0..<n {
            v[i] += weight * (g[i] * g[i] - v[i])
            let ui = Double(g[i] / max(v[i], floor).squareRoot())
            squares += ui * ui
        }
        let scale = Float(alpha / max(1, (squares / Double(n)).squareRoot() / Double(d)))
        for i in 0..<n { p[i] -= scale * (sign * g[i] / max(v[i], floor).squareRoot()) }
    }

    private func makeState(_ index: Int, _ parameter: Tensor) -> State {
        let state: State
        if let factored = Self.factoredShapes(parameter.shape) {
            state = State(parameter.shape, step: 0, rowVar: Tensor.zeros(factored.row),
                          colVar: Tensor.zeros(factored.col), variance: nil)
        } else {
            state = State(parameter.shape, step: 0, rowVar: nil, colVar: nil, variance: Tensor.zeros(parameter.shape))
        }
        states[index] = state
        return state
    }

    /// The shapes of R and C for a parameter of two or more dims ([..., R, 1] and [..., 1, C]); nil otherwise.
    static func factoredShapes(_ shape: [Int]) -> (row: [Int], col: [Int])? {
        guard shape.count > 1 else { return nil }
        var row = shape, col = shape
        row[shape.count - 1] = 1
        col[shape.count - 2] = 1
        return (row, col)
    }

    public func stateDict() -> [String: Tensor] {
        var dict = groupStateDict()
        for (index, state) in states {
            dict["state.\(index).step"] = countTensor(state.step)
            if let rowVar = state.rowVar { dict["state.\(index).row_var"] = rowVar.copied() }
            if let colVar = state.colVar { dict["state.\(index).col_var"] = colVar.copied() }
            if let variance = state.variance { dict["state.\(index).variance"] = variance.copied() }
        }
        return dict
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        var reader = StateDictReader(state, owner: "Adafactor")
        let restoredGroups = try readGroups(&reader)
        var restored: [Int: State] = [:]
        try forEachParameter { index, parameter, _ in
            guard reader.hasState(index) else { return }
            let key = "state.\(index).", shape = parameter.shape
            let step = try reader.count(key + "step")
            if let factored = Self.factoredShapes(shape) {
                restored[index] = State(shape, step: step, rowVar: try reader.tensor(key + "row_var", shape: factored.row),
                                        colVar: try reader.tensor(key + "col_var", shape: factored.col), variance: nil)
            } else {
                restored[index] = State(shape, step: step, rowVar: nil, colVar: nil,
                                        variance: try reader.tensor(key + "variance", shape: shape))
            }
        }
        try reader.finish()
        groups = restoredGroups
        states = restored
    }
}
