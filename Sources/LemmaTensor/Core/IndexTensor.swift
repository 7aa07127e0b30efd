/// Integer indices with a shape: token ids, class targets, argmax results. Kept on the host as Int32, the
/// width embedding tables and class counts need; backends receive them per call.
public struct IndexTensor: Equatable, Sendable {
    public let shape: [Int]
    public let values: [Int32]

    public init(_ values: [Int32], shape: [Int]) {
        guard elementCount(shape) == values.count else {
            shapeFailure("IndexTensor", "\(values.count) values do not fill shape \(describe(shape))")
        }
        self.values = values
        self.shape = shape
    }

    public init(_ values: [Int]) { self.init(values.map { Int32($0) }, shape: [values.count]) }

    public var count: Int { values.count }

    public func reshaped(_ shape: [Int]) -> IndexTensor { IndexTensor(values, shape: shape) }
}
