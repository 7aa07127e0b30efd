import LemmaNN
import LemmaTensor
import Testing

/// Attention layers against PyTorch (nn.MultiheadAttention, nn.TransformerEncoderLayer, and additive /
/// general attention written out in torch): outputs, attention weights, input and parameter gradients.
struct AttentionParityTests {
    let file = Fixtures.layers

    func input(_ name: String, _ key: String) throws -> Tensor {
        let x = try file.tensor("\(name).\(key)")
        x.requiresGrad = true
        return x
    }

    /// Compares outputs, then backpropagates sum(output * g<output>) and compares gradients.
    func check(_ name: String, _ module: Module, inputs: [String: Tensor], outputs: [String: Tensor]) throws {
        var loss: Tensor?
        for (key, y) in outputs {
            expectClose(y, try file.tensor("\(name).\(key)"), rtol: 1e-4, "\(name) \(key)")
            let term = (y * (try file.tensor("\(name).g\(key)"))).sum()
            loss = loss.map { $0 + term } ?? term
        }
        loss!.backward()
        for (key, x) in inputs {
            expectClose(x.grad, try file.tensor("\(name).grad.\(key)"), rtol: 1e-4, "\(name) grad \(key)")
        }
        let expected = try Fixtures.group(file, "\(name).grad.param.")
        #expect(!expected.isEmpty)
        let own = module.stateDict()
        for (key, gradient) in expected {
            expectClose(own[key]?.grad, gradient, rtol: 1e-4, "\(name) grad \(key)")
        }
    }

    @Test func selfAttentionWithKeyPadding() throws {
        let mha = MultiheadAttention(embedDim: 8, numHeads: 2)
        try mha.loadStateDict(try Fixtures.group(file, "mha_self.param."))
        let x = try input("mha_self", "x")
        let (y, w) = mha(query: x, key: x, value: x, keyPadding: try file.tensor("mha_self.key_padding"))
        try check("mha_self", mha, inputs: ["x": x], outputs: ["y": y, "w": w])
    }

    @Test func crossAttentionWithCausalMask() throws {
        let mha = MultiheadAttention(embedDim: 8, numHeads: 4)
        try mha.loadStateDict(try Fixtures.group(file, "mha_cross_causal.param."))
        let q = try input("mha_cross_causal", "q"), kv = try input("mha_cross_causal", "kv")
        let (y, w) = mha(query: q, key: kv, value: kv * 0.5, causal: true)
        try check("mha_cross_causal", mha, inputs: ["q": q, "kv": kv], outputs: ["y": y, "w": w])
    }

    @Test(arguments: [("block_post_ln", false), ("block_pre_ln", true)])
    func transformerBlock(_ name: String, _ normFirst: Bool) throws {
        let block = TransformerBlock(embedDim: 8, numHeads: 2, feedForwardDim: 16, dropout: 0, gelu: true, normFirst: normFirst)
        try block.loadStateDict(try Fixtures.group(file, "\(name).param."))
        let x = try input(name, "x")
        let y = block(x, keyPadding: try file.tensor("\(name).key_padding"))
        try check(name, block, inputs: ["x": x], outputs: ["y": y])
    }

    @Test func additiveAttention() throws {
        let attention = AdditiveAttention(queryDim: 6, keyDim: 4, attentionDim: 5)
        try attention.loadStateDict(try Fixtures.group(file, "additive.param."))
        let q = try input("additive", "q"), k = try input("additive", "k"), v = try input("additive", "vals")
        let (y, w) = attention(query: q, keys: k, values: v, padding: Tensor([0, 0, 1, 0, 0, 0], shape: [2, 3]))
        try check("additive", attention, inputs: ["q": q, "k": k, "vals": v], outputs: ["y": y, "w": w])
    }

    @Test func generalDotAttention() throws {
        let attention = DotAttention(queryDim: 6, keyDim: 4, general: true)
        try attention.loadStateDict(try Fixtures.group(file, "general.param."))
        let q = try input("general", "q"), k = try input("general", "k"), v = try input("general", "vals")
        let (y, w) = attention(query: q, keys: k, values: v)
        try check("general", attention, inputs: ["q": q, "k": k, "vals": v], outputs: ["y": y, "w": w])
    }
}
