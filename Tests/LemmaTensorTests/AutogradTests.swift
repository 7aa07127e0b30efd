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
