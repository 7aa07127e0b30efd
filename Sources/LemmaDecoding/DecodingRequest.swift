/// What a user asks of one decoding on top of a model's configured settings (`lemma predict`'s flags, a
/// server request): a beam size, how many hypotheses, or sampling with its settings.
public struct DecodingRequest: Hashable, Sendable {
    public var beams: Int?
    /// Hypotheses returned per input (the n-best list, or independent samples).
    public var n = 1
    public var sample = false
    public var temperature: Float?
    public var topK: Int?
    public var topP: Float?
    /// Pick uniformly among the tokens top-k / top-p keep (fastai course-nlp's variant) instead of by probability.
    public var uniformWithinSet = false
    public var seed: UInt64 = 0

    public init() {}

    /// `options` changed as asked: sampling replaces the configured beam search; a beam asked for together
    /// with sampling stays, so that validation names the conflict.
    public func apply(to options: inout DecodingOptions) {
        if let beams { options.beams = beams }
        options.returnSequences = n
        if sample {
            options.beams = beams ?? 1
            options.sampling = true
            options.temperature = temperature ?? 1
            options.topK = topK
            options.topP = topP
            options.uniformWithinSet = uniformWithinSet
            options.seed = seed
        }
    }
}
