import LemmaTensor
import Testing

struct AutogradTests {
    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad!.scalars == [5, 7, 9])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func broadcastGradientIsReducedToOperandShape() {
        let bias = Tensor([0.5, -1], requiresGrad: true)
        let x = Tensor.ones([3, 2])
        (x + bias).sum().backward()
        #expect(bias.grad!.shape == [2])
        #expect(bias.grad!.scalars == [3, 3])
    }

    @Test func detachedValuesAndNoGradScopesAreNotRecorded() {
        let x = Tensor([2], requiresGrad: true)
        let y = withNoGrad { x * x }
        #expect(!y.requiresGrad)
        let z = x.detached() * x
        z.sum().backward()
        #expect(x.grad!.scalars == [2])  // only through the recorded operand
        #expect(GradMode.isEnabled)
    }

    @Test func linearThroughAnInOutCopyMatchesLinearAndLeavesTheCopyWithoutGradient() {
        // 64 rows against a 12,000 × 300 weight: the shape the copy exists for (a decoder's tied output layer).
        let g = RandomGenerator(seed: 5)
        let x = Tensor.normal([64, 300], generator: g), weight = Tensor.normal([12_000, 300], std: 0.05, generator: g)
        let bias = Tensor.normal([12_000], generator: g), upstream = Tensor.normal([64, 12_000], generator: g)
        for t in [x, weight, bias] { t.requiresGrad = true }
        let copy = withNoGrad { weight.transposed(0, 1) }
        let plain = x.linear(weight: weight, bias: bias)
        (plain * upstream).sum().backward()
        let expected = [x, weight, bias].map { $0.grad!.scalars }
        for t in [x, weight, bias] { t.zeroGrad() }
        let viaCopy = x.linear(weight: weight, copyInOut: copy, bias: bias)
        (viaCopy * upstream).sum().backward()
        let worstOutput = zip(viaCopy.scalars, plain.scalars).map { abs($0 - $1) / (1e-3 + abs($1)) }.max()!
        #expect(worstOutput < 1e-4, "outputs differ by \(worstOutput) (relative)")
        for (name, (t, want)) in zip(["x", "weight", "bias"], zip([x, weight, bias], expected)) {
            let worst = zip(t.grad!.scalars, want).map { abs($0 - $1) / (1e-3 + abs($1)) }.max()!
            #expect(worst < 1e-4, "\(name) gradient differs by \(worst) (relative)")
        }
        #expect(copy.grad == nil && !copy.requiresGrad)
    }

    @Test func leafGradientIsOwnedNotShared() {
        // add passes the same gradient tensor to both inputs; accumulating into one must not change the other.
        let a = Tensor([1, 1], requiresGrad: true), b = Tensor([1, 1], requiresGrad: true)
        (a + b).sum().backward()
        (a * 2).sum().backward()
        #expect(a.grad!.scalars == [3, 3])
        #expect(b.grad!.scalars == [1, 1])
    }

    @Test func deepChainsDoNotOverflowTheStack() {
        let x = Tensor([0.5], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = y * 1.0 + 0.0 }
        y.sum().backward()
        #expect(x.grad!.scalars == [1])
    }

    @Test func frozenLeavesGetNoGradient() {
        let frozen = Tensor([1, 2]), trained = Tensor([3, 4], requiresGrad: true)
        (frozen * trained).sum().backward()
        #expect(frozen.grad == nil)
        #expect(trained.grad!.scalars == [1, 2])
    }
}
