/// Softmax and log-softmax along an axis, with their fused gradients.
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: false) }
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, log: true) }

    private func softmaxFamily(axis: Int, log: Bool) -> Tensor {
        let op: StaticString = log ? "log_softmax" : "softmax"
        let split = AxisSplit(shape: shape, axis: normalizeAxis(axis, rank: rank, op: op))
        let y = makeOutput(shape)
        backend.softmax(storage, y.storage, axis: split, log: log)
        guard isRecorded else { return y }
        return y.recorded(op, [self]) { [unowned y] g in
            let gx = y.makeOutput(y.shape)
            y.backend.softmaxBackward(output: y.storage, gradOutput: g.storage, gradInput: gx.storage, axis: split,
                                      log: log)
            return [gx]
        }
    }
}
