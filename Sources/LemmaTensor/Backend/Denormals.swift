import CLemmaKernels

/// Whether floats too small for the normal range (denormals) are flushed to zero. Lemma flushes by default,
/// in the main thread and every worker thread, as TensorFlow does: on Intel Xeons a recurrent backward pass
/// full of tiny gradients otherwise runs 5–10× slower, and the values flushed (below 1.2e-38) change no
/// loss a float32 model can represent. `LEMMA_FLUSH_DENORMALS=0` keeps them for the whole process.
public enum Denormals {
    /// The process-wide setting. Setting it applies to the calling thread and its worker pool at once
    /// (PyTorch's `torch.set_flush_denormal`), and Lemma's parallel loops bring any pool thread up to date;
    /// set it from the main thread, before other threads start: threads that exist already keep theirs, and
    /// the environment variable is the way to choose for a whole process.
    public static var flushToZero: Bool {
        get { lemma_flush_denormals() != 0 }
        set { lemma_set_flush_denormals(newValue ? 1 : 0) }
    }

    /// What the calling thread's floating-point unit does right now.
    public static var flushedInThisThread: Bool { lemma_thread_flushes_denormals() != 0 }

    /// What each worker thread's floating-point unit does right now, read inside one parallel region of
    /// the pool oneDNN's GEMMs and Lemma's kernels run on (without bringing any thread up to date first).
    public static func flushedInWorkerThreads(count: Int = CPUBackend.shared.threads) -> [Bool] {
        var states = [Int32](repeating: -1, count: count)
        let ran = Int(lemma_worker_denormal_states(Int32(count), &states))
        return states.prefix(ran).map { $0 == 1 }
    }
}
