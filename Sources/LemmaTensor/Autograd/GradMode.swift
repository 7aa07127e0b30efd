import CLemmaKernels

/// Whether ops record gradients on the current thread (PyTorch's grad mode).
public enum GradMode {
    public static var isEnabled: Bool { lemma_grad_enabled() != 0 }

    /// Runs `body` with recording on or off, restoring the previous mode afterwards.
    public static func withEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let previous = lemma_grad_enabled()
        lemma_set_grad_enabled(enabled ? 1 : 0)
        defer { lemma_set_grad_enabled(previous) }
        return try body()
    }
}

/// Runs `body` without recording: evaluation, inference, optimizer updates.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.withEnabled(false, body)
}
