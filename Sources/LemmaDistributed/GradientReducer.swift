import LemmaTensor

/// Averages gradients across ranks as PyTorch DDP does: parameters are grouped into buckets of about
/// `bucketBytes` in reverse registration order (roughly the order a backward pass completes them); a bucket's
/// all-reduce starts as soon as all of its gradients are complete, while the backward pass goes on; buckets
/// start in the same fixed order on every rank (MPI needs collectives in one order everywhere).
public final class GradientReducer {
    public let communicator: any Communicator
    let parameters: [Tensor]
    let buckets: [[Int]]
    let bucketBuffers: [HostBuffer]
    let location: [ObjectIdentifier: Int]  // parameter → bucket
    var ready: [Int]
    var launched: [(any PendingCollective)?]
    var nextLaunch = 0
    var failure: (any Error)?

    public init(parameters: [Tensor], communicator: any Communicator, bucketBytes: Int = 25 << 20) {
        self.parameters = parameters
        self.communicator = communicator
        var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
        for index in parameters.indices.reversed() {
            current.append(index)
            bytes += parameters[index].count * 4
            if bytes >= bucketBytes {
                buckets.append(current)
                (current, bytes) = ([], 0)
            }
        }
        if !current.isEmpty { buckets.append(current) }
        self.buckets = buckets
        bucketBuffers = buckets.map { HostBuffer(count: $0.reduce(0) { $0 + parameters[$1].count }) }
        var location: [ObjectIdentifier: Int] = [:]
        for (b, members) in buckets.enumerated() { for index in members { location[ObjectIdentifier(parameters[index])] = b } }
        self.location = location
        ready = Array(repeating: 0, count: buckets.count)
        launched = Array(repeating: nil, count: buckets.count)
    }

    /// For `backward(onLeafGradient:)` on the last micro-batch of a step.
    public func gradientReady(_ leaf: Tensor) {
        guard failure == nil, let bucket = location[ObjectIdentifier(leaf)] else { return }
        ready[bucket] += 1
        do {
            try launchReadyBuckets()
            // Let MPI move the running reductions along (it progresses only inside MPI calls).
            for pending in launched[..<nextLaunch] { try pending?.poll() }
        } catch {
            failure = error
        }
    }

    func launchReadyBuckets() throws {
        while nextLaunch < buckets.count, ready[nextLaunch] >= buckets[nextLaunch].count {
            try launch(nextLaunch)
        }
    }

    func launch(_ bucket: Int) throws {
        let buffer = bucketBuffers[bucket]
        var offset = 0
        for index in buckets[bucket] {
            let parameter = parameters[index]
            // A parameter the step did not use contributes zeros, so every rank reduces the same buckets.
            buffer.pack([parameter.grad ?? Tensor.zeros(parameter.shape)], at: offset)
            offset += parameter.count
        }
        launched[bucket] = try communicator.startAllReduceSum(buffer)
        nextLaunch = bucket + 1
    }

    /// After the backward pass: starts the buckets still waiting (parameters without gradients count as
    /// zeros), waits for every reduction and sets each gradient to the sum × `scale`.
    public func finish(scale: Float) throws {
        defer { reset() }
        if let failure { throw failure }
        while nextLaunch < buckets.count { try launch(nextLaunch) }
        for (bucket, members) in buckets.enumerated() {
            try launched[bucket]!.wait()
            // Straight from the bucket into each gradient's own buffer (a fresh one for unused parameters).
            let buffer = bucketBuffers[bucket]
            var offset = 0
            for index in members {
                let parameter = parameters[index]
                if parameter.grad == nil { parameter.grad = Tensor.zeros(parameter.shape) }
                parameter.grad!.withUnsafeMutableBufferPointer { values in
                    let source = buffer.pointer + offset
                    if scale == 1 {
                        values.baseAddress!.update(from: source, count: values.count)
                    } else {
                        for i in 0..<values.count { values[i] = source[i] * scale }
                    }
                }
                offset += parameter.count
            }
        }
    }

    func reset() {
        ready = Array(repeating: 0, count: buckets.count)
        launched = Array(repeating: nil, count: buckets.count)
        nextLaunch = 0
        failure = nil
    }

    /// Rank `root`'s values of `tensors` (parameters and buffers at the start) in place on every rank.
    public static func broadcast(_ tensors: [Tensor], from root: Int, over communicator: any Communicator) throws {
        guard communicator.size > 1, !tensors.isEmpty else { return }
        let buffer = HostBuffer(count: tensors.reduce(0) { $0 + $1.count })
        if communicator.rank == root { buffer.pack(tensors) }
        try communicator.broadcast(buffer, root: root)
        withNoGrad {
            for (tensor, value) in zip(tensors, buffer.unpack(tensors.map(\.shape))) { tensor.backend.copy(value.storage, to: tensor.storage) }
        }
    }
}
