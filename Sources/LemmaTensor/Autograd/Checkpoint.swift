/// Activation checkpointing (PyTorch's `torch.utils.checkpoint`): `f(input)` runs without recording, so none
/// of its intermediate tensors stay alive until the backward pass; when the gradient arrives, `f` runs again
/// on the saved input with recording on and is differentiated right there. Memory for a stack of blocks
/// drops from every block's activations to their inputs, for one extra forward pass of compute.
///
/// Random draws (dropout) are replayed: the recompute draws from a copy of the generator as it was before the
/// first run, so it sees the same masks, and the generator in scope advances once, as without checkpointing
/// (a resumed run stays bit-identical). `parameters` are the tensors `f` reads besides `input` whose gradients
/// are wanted; they receive them directly during the recompute.
public func checkpointed(_ input: Tensor, parameters: [Tensor], _ f: @escaping (Tensor) -> Tensor) -> Tensor {
    guard GradMode.isEnabled, input.requiresGrad || parameters.contains(where: \.requiresGrad) else { return f(input) }
    let before = Random.withGenerator(nil) { $0.snapshot }
    let output = withNoGrad { f(input) }
    return output.recorded("checkpoint", [input] + parameters) { gradient in
        let replay = RandomGenerator(seed: 0)
        replay.snapshot = before
        let x = input.detached()
        x.requiresGrad = input.requiresGrad
        let recomputed = GradMode.withEnabled(true) { Random.using(replay) { f(x) } }
        if recomputed.requiresGrad { recomputed.backward(gradient: gradient) }
        return [input.requiresGrad ? x.grad : nil] + parameters.map { _ in nil }
    }
}
