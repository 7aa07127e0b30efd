import Foundation
import LemmaTensor

/// Scales every gradient in place so that their combined norm is at most `maxNorm`, as
/// torch.nn.utils.clip_grad_norm_: the total is the `normType`-norm of all gradient elements together
/// (2 by default; `.infinity` for the largest magnitude), accumulated in Double; when it exceeds `maxNorm` each
/// gradient is multiplied by maxNorm / (total + 1e-6). Parameters without a gradient are skipped.
///
/// Returns the total norm before clipping. A non-finite total (an overflowed or NaN gradient) leaves the
/// gradients as they are and is returned, so the caller can skip the step.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float, normType: Float = 2) -> Float {
    guard maxNorm >= 0 else { fatalError("clipGradNorm: maxNorm \(maxNorm) must be >= 0") }
    guard normType > 0 else { fatalError("clipGradNorm: normType \(normType) must be > 0") }
    let grads = parameters.compactMap(\.grad)
    var total = 0.0
    if normType == .infinity {
        for grad in grads {
            grad.withUnsafeBufferPointer { g in
                for value in g { total = max(total, Double(abs(value))) }
            }
        }
    } else if normType == 2 {
        total = grads.reduce(0) { $0 + $1.backend.sumOfSquares($1.storage) }.squareRoot()
    } else {
        let p = Double(normType)
        for grad in grads {
            grad.withUnsafeBufferPointer { g in
                for value in g { total += pow(Double(abs(value)), p) }
            }
        }
        total = pow(total, 1 / p)
    }
    let coefficient = Double(maxNorm) / (total + 1e-6)
    if total.isFinite && coefficient < 1 {
        let scale = Float(coefficient)
        for grad in grads {
            grad.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= scale }
            }
        }
    }
    return Float(total)
}

/// Clamps every gradient element into [−clipValue, clipValue] in place, as torch.nn.utils.clip_grad_value_.
public func clipGradValue(_ parameters: [Tensor], clipValue: Float) {
    guard clipValue >= 0 else { fatalError("clipGradValue: clipValue \(clipValue) must be >= 0") }
    for grad in parameters.compactMap(\.grad) {
        grad.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = min(max(g[i], -clipValue), clipValue) }
        }
    }
}
