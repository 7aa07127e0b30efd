import LemmaOptim
import LemmaTensor
import Testing

/// clipGradNorm and clipGradValue against torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
struct GradientClippingTests {
    /// Three parameters with the fixture's gradients and a fourth without one (which must be skipped).
    func parameters() throws -> [Tensor] {
        var result: [Tensor] = []
        for i in 0..<3 {
            let g = try Fixtures.tensor("clip.grad\(i)")
            let p = Tensor.zeros(g.shape)
            p.requiresGrad = true
            (p * g).sum().backward()
            result.append(p)
        }
        let unused = Tensor.zeros([3])
        unused.requiresGrad = true
        return result + [unused]
    }

    @Test(arguments: [("l2", Float(1.5), Float(2)), ("l2_loose", 100, 2), ("inf", 2, .infinity)])
    func clipGradNormMatchesPyTorch(_ label: String, _ maxNorm: Float, _ normType: Float) throws {
        let params = try parameters()
        let norm = clipGradNorm(params, maxNorm: maxNorm, normType: normType)
        expectClose([norm], try Fixtures.tensor("clip.\(label).norm").scalars, "\(label) norm")
        for i in 0..<3 {
            expectClose(params[i].grad!, try Fixtures.tensor("clip.\(label).out\(i)"), "\(label) grad \(i)")
        }
        #expect(params[3].grad == nil)
    }

    @Test func clippingScalesOnlyWhenTheNormExceedsTheLimit() throws {
        let params = try parameters()
        let before = params[0].grad!.scalars
        let norm = clipGradNorm(params, maxNorm: 100)
        #expect(params[0].grad!.scalars == before)  // loose: untouched
        let clippedNorm = clipGradNorm(params, maxNorm: norm / 2)
        #expect(clippedNorm == norm)
        let after = clipGradNorm(params, maxNorm: .infinity)
        #expect(abs(after - norm / 2) < 1e-4 * norm)
    }

    @Test func otherNormOrdersFollowTheDefinition() throws {
        let p = Tensor.zeros([3])
        p.requiresGrad = true
        (p * Tensor([3, -4, 1])).sum().backward()
        let norm = clipGradNorm([p], maxNorm: 1000, normType: 1)
        #expect(norm == 8)
    }

    @Test func clipGradValueMatchesPyTorch() throws {
        let params = try parameters()
        clipGradValue(params, clipValue: 0.75)
        for i in 0..<3 {
            #expect(params[i].grad!.scalars == (try Fixtures.tensor("clip.value.out\(i)")).scalars)
        }
    }
}
