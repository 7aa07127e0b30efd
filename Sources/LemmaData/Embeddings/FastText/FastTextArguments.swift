import LemmaTensor

/// The training arguments stored at the top of a fastText `.bin` model: twelve little-endian int32 and a
/// float64, in the order fastText's `Args::save` writes them. `dim`, `minn`, `maxn` and `bucket` decide how
/// word vectors are built.
public struct FastTextArguments: Sendable, Equatable {
    /// The training objective (`model_name` in fastText).
    public enum Model: Int, Sendable { case cbow = 1, skipgram = 2, supervised = 3 }
    /// The loss (`loss_name` in fastText).
    public enum Loss: Int, Sendable { case hierarchicalSoftmax = 1, negativeSampling = 2, softmax = 3, oneVersusAll = 4 }

    public var dim: Int
    public var ws: Int
    public var epoch: Int
    public var minCount: Int
    public var neg: Int
    public var wordNgrams: Int
    public var loss: Loss
    public var model: Model
    public var bucket: Int
    public var minn: Int
    public var maxn: Int
    public var lrUpdateRate: Int
    public var t: Double

    /// Reads and checks the block; `version` 11 supervised models predate character n-grams.
    init(_ cursor: inout BinaryCursor, version: Int) throws {
        let start = cursor.offset
        dim = try cursor.int32("args.dim")
        ws = try cursor.int32("args.ws")
        epoch = try cursor.int32("args.epoch")
        minCount = try cursor.int32("args.minCount")
        neg = try cursor.int32("args.neg")
        wordNgrams = try cursor.int32("args.wordNgrams")
        let lossCode = try cursor.int32("args.loss")
        let modelCode = try cursor.int32("args.model")
        bucket = try cursor.int32("args.bucket")
        minn = try cursor.int32("args.minn")
        maxn = try cursor.int32("args.maxn")
        lrUpdateRate = try cursor.int32("args.lrUpdateRate")
        t = try cursor.float64("args.t")
        guard let loss = Loss(rawValue: lossCode) else { throw cursor.error("args.loss is \(lossCode), expected 1 to 4", at: start + 24) }
        guard let model = Model(rawValue: modelCode) else { throw cursor.error("args.model is \(modelCode), expected 1 (cbow), 2 (skipgram) or 3 (supervised)", at: start + 28) }
        self.loss = loss
        self.model = model
        guard dim > 0, dim <= 1 << 20 else { throw cursor.error("args.dim is \(dim), expected 1 to \(1 << 20)", at: start) }
        guard bucket >= 0 else { throw cursor.error("args.bucket is \(bucket), expected a non-negative count", at: start + 32) }
        guard minn >= 0, maxn >= 0 else { throw cursor.error("args.minn/maxn are \(minn)/\(maxn), expected non-negative lengths", at: start + 36) }
        if version == 11, model == .supervised { maxn = 0 }
        if maxn > 0, minn <= maxn, bucket == 0 {
            throw cursor.error("args.bucket is 0 but character n-grams of length \(minn)...\(maxn) are on; fastText would divide by zero", at: start + 32)
        }
    }
}
