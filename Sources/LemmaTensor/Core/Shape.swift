/// Shape arithmetic shared by every op: element counts, row-major strides, broadcasting and axis checks.
/// A shape is a plain `[Int]`; `[]` is a scalar.

@inline(__always)
func elementCount(_ shape: [Int]) -> Int {
    var count = 1
    for dim in shape { count &*= dim }
    return count
}

func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
        strides[axis] = step
        step *= shape[axis]
    }
    return strides
}

func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Traps with a message naming the op and the shapes involved. Shape errors are programming errors, like an
/// array index out of range; inputs from files and configs are validated (and throw) before they reach ops.
func shapeFailure(_ op: StaticString, _ message: String) -> Never {
    fatalError("\(op): \(message)")
}

/// NumPy broadcasting: align trailing dims; each pair must match or one of them be 1.
func broadcastShape(_ a: [Int], _ b: [Int], op: StaticString) -> [Int] {
    if a == b { return a }
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else {
            shapeFailure(op, "shapes \(describe(a)) and \(describe(b)) are not broadcastable (dim \(i): \(da) vs \(db))")
        }
        result[i] = da == 1 ? db : da
    }
    return result
}

/// Element strides that read a contiguous tensor of `shape` as if it had `target` (0 on broadcast dims).
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let own = rowMajorStrides(shape)
    let lead = target.count - shape.count
    return target.indices.map { i in
        i < lead || shape[i - lead] == 1 ? 0 : own[i - lead]
    }
}

/// Merges adjacent dims that are contiguous for every operand, so kernels walk as few, long rows as possible.
func coalesce(_ shape: [Int], _ strideSets: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
    var outShape: [Int] = []
    var outStrides = [[Int]](repeating: [], count: strideSets.count)
    for axis in shape.indices where shape[axis] != 1 {
        if !outShape.isEmpty,
           strideSets.indices.allSatisfy({ strideSets[$0][axis] * shape[axis] == outStrides[$0].last! }) {
            outShape[outShape.count - 1] *= shape[axis]
            for s in strideSets.indices { outStrides[s][outStrides[s].count - 1] = strideSets[s][axis] }
        } else {
            outShape.append(shape[axis])
            for s in strideSets.indices { outStrides[s].append(strideSets[s][axis]) }
        }
    }
    if outShape.isEmpty { return ([1], strideSets.map { _ in [1] }) }
    return (outShape, outStrides)
}

/// Resolves a possibly negative axis against a rank, trapping with the op's name when out of range.
func normalizeAxis(_ axis: Int, rank: Int, op: StaticString) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < max(rank, 1) else {
        shapeFailure(op, "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return resolved
}
