/// A flat buffer of Float32 owned by one backend. Tensors share storage for views (reshape); every other op
/// writes a fresh one. Buffers come from and return to the backend's pool, so a steady training loop, which
/// asks for the same sizes every step, stops calling malloc after its first step.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    public unowned(unsafe) let backend: any Backend

    init(pointer: UnsafeMutablePointer<Float>, count: Int, backend: any Backend) {
        self.pointer = pointer
        self.count = count
        self.backend = backend
    }

    deinit { backend.release(self.pointer, count: count) }
}
