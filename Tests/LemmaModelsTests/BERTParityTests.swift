import Foundation
import LemmaData
import LemmaModels
import LemmaNN
import LemmaOptim
import LemmaTensor
import Testing

/// BertModel, BertEncoder and BertClassifier against Hugging Face transformers on a tiny random BERT:
/// Fixtures/bert-tiny (config.json, model.safetensors, vocab.txt) and bert-tiny-reference.safetensors,
/// both made by `bench/.venv/bin/python scripts/make_bert_fixtures.py Tests/LemmaModelsTests/Fixtures`.
struct BERTParityTests {
    let reference: SafetensorsFile
    let directory = Fixtures.url("bert-tiny")

    init() throws {
        reference = try SafetensorsFile(url: Fixtures.url("bert-tiny-reference.safetensors"))
    }

    func ids(_ name: String) throws -> IndexTensor { try reference.indices(name) }
    func mask(_ name: String) throws -> Tensor { try reference.tensor(name) }

    /// The script's upstream gradient: sin(0.1 i + 0.3) over the flattened elements.
    func wave(_ shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor((0..<count).map { Float(sin(0.1 * Double($0) + 0.3)) }, shape: shape)
    }

    @Test func hiddenStatesAndPoolerOutputMatchTransformers() throws {
        let model = try BertModel(directory: directory)
        let output = model(ids: try ids("model.input_ids"), attentionMask: try mask("model.attention_mask"),
                           tokenTypeIDs: try ids("model.token_type_ids"))
        expectClose(output.lastHiddenState, try reference.tensor("model.last_hidden_state"), rtol: 0, atol: 1e-4, "last_hidden_state")
        expectClose(output.pooledOutput, try reference.tensor("model.pooler_output"), rtol: 0, atol: 1e-4, "pooler_output")
    }

    @Test func gradientsMatchTransformers() throws {
        let model = try BertModel(directory: directory)
        let output = model(ids: try ids("model.input_ids"), attentionMask: try mask("model.attention_mask"),
                           tokenTypeIDs: try ids("model.token_type_ids"))
        let hidden = output.lastHiddenState, pooled = output.pooledOutput!
        ((hidden * wave(hidden.shape)).sum() + (pooled * wave(pooled.shape)).sum()).backward()
        let expected = try Fixtures.group(reference, "model.grad.")
        #expect(expected.count == 10)
        let parameters = model.stateDict()
        for (key, gradient) in expected {
            expectClose(parameters[key]?.grad, gradient, rtol: 1e-3, atol: 1e-4, "grad \(key)")
        }
        // The [PAD] row of the word embeddings gets no gradient, as with nn.Embedding(padding_idx=0).
        let padRow = parameters["embeddings.word_embeddings.weight"]!.grad!.slice(axis: 0, 0..<1)
        #expect(padRow.scalars.allSatisfy { $0 == 0 })
    }

    @Test func paddingIsMaskedSoPaddedRowsEqualSingleRows() throws {
        let model = try BertModel(directory: directory)
        let batchIDs = try ids("embed.input_ids"), batchMask = try mask("embed.attention_mask")
        let batched = model(ids: batchIDs, attentionMask: batchMask).lastHiddenState
        let width = batchIDs.shape[1]
        let lengths = (0..<batchIDs.shape[0]).map { Int(batchMask.scalars[($0 * width)..<(($0 + 1) * width)].reduce(0, +)) }
        #expect(Set(lengths).count > 1, "the fixture's sentences should need padding")
        for (row, length) in lengths.enumerated() {
            let single = IndexTensor(Array(batchIDs.values[(row * width)..<(row * width + length)]), shape: [1, length])
            let alone = model(ids: single).lastHiddenState
            let inBatch = batched.slice(axis: 0, row..<(row + 1)).slice(axis: 1, 0..<length)
            expectClose(inBatch, alone, rtol: 0, atol: 1e-5, "row \(row) padded vs alone")
        }
    }

    @Test func encoderTokenizesAndMeanPoolsAsSentenceTransformers() throws {
        let encoder = try BertEncoder(directory: directory)
        let sentences = try JSONDecoder().decode([String].self, from: Data(reference.metadata["sentences"]!.utf8))
        let expectedIDs = try ids("embed.input_ids"), expectedMask = try mask("embed.attention_mask")
        let width = expectedIDs.shape[1]
        for (row, sentence) in sentences.enumerated() {
            let length = Int(expectedMask.scalars[(row * width)..<((row + 1) * width)].reduce(0, +))
            #expect(encoder.tokenize(sentence) == Array(expectedIDs.values[(row * width)..<(row * width + length)]), "ids of \(sentence)")
        }
        #expect(encoder.settings == SentenceEmbeddingSettings(pooling: .mean, normalize: false))
        #expect(encoder.maxLength == 24)
        // Batches of 2 sorted by length, so rows are computed apart from their fixture neighbours.
        expectClose(encoder.embed(sentences, batchSize: 2), try reference.tensor("embed.mean_pooled"), rtol: 0, atol: 1e-4, "mean pooled")
        expectClose(encoder.embed(sentences, normalize: true), try reference.tensor("embed.normalized"), rtol: 0, atol: 1e-4, "normalized")
        let one = encoder.embed([sentences[3]], normalize: true)
        expectClose(one, try reference.tensor("embed.normalized").slice(axis: 0, 3..<4), rtol: 0, atol: 1e-5, "single sentence")
        #expect(encoder.embed([]).shape == [0, 32])
    }

    func classifier(pooling: BertClassifier.Pooling) throws -> BertClassifier {
        let model = try BertClassifier(directory: directory, classCount: 3, pooling: pooling)
        try model.classifier.loadStateDict(["weight": try reference.tensor("classifier.weight"),
                                            "bias": try reference.tensor("classifier.bias")])
        model.eval()
        return model
    }

    @Test func classifierLogitsLossAndGradientsMatchBertForSequenceClassification() throws {
        let model = try classifier(pooling: .pooler)
        let logits = model(ids: try ids("model.input_ids"), attentionMask: try mask("model.attention_mask"),
                           tokenTypeIDs: try ids("model.token_type_ids"))
        expectClose(logits, try reference.tensor("classifier.logits"), rtol: 0, atol: 1e-4, "logits")
        let loss = crossEntropy(logits, try ids("classifier.labels"))
        expectClose(loss.reshaped([1]), try reference.tensor("classifier.loss"), rtol: 0, atol: 1e-4, "loss")
        loss.backward()
        let expected = try Fixtures.group(reference, "classifier.grad.")
        #expect(expected.count == 3)
        let parameters = model.stateDict()
        for (key, gradient) in expected {
            expectClose(parameters[key]?.grad, gradient, rtol: 1e-3, atol: 1e-5, "grad \(key)")
        }
    }

    @Test func meanPoolingClassifierHasNoPoolerAndClassifiesTheMean() throws {
        let model = try classifier(pooling: .mean)
        #expect(model.bert.pooler == nil)
        #expect(!model.stateDict().keys.contains { $0.hasPrefix("bert.pooler.") })
        let logits = model(ids: try ids("model.input_ids"), attentionMask: try mask("model.attention_mask"),
                           tokenTypeIDs: try ids("model.token_type_ids"))
        expectClose(logits, try reference.tensor("classifier.mean_logits"), rtol: 0, atol: 1e-4, "mean logits")
    }

    @Test func dropoutIsActiveOnlyInTraining() throws {
        let model = try BertModel(directory: directory)
        let ids = try ids("embed.input_ids"), mask = try mask("embed.attention_mask")
        #expect(!model.isTraining)
        expectClose(model(ids: ids, attentionMask: mask).lastHiddenState, model(ids: ids, attentionMask: mask).lastHiddenState,
                    rtol: 0, atol: 0, "eval is deterministic")
        model.train()
        let first = model(ids: ids, attentionMask: mask).lastHiddenState, second = model(ids: ids, attentionMask: mask).lastHiddenState
        #expect(!first.closeness(to: second, rtol: 0, atol: 1e-3).isClose, "training mode drops out")
        // BertEncoder embeds without dropout and leaves the mode as it found it.
        let encoder = BertEncoder(model: model, tokenizer: try BertEncoder(directory: directory).tokenizer)
        let duringTraining = encoder.embed(["the cat sat on the mat"])
        #expect(model.isTraining && model.embeddings.layerNorm.isTraining)
        model.eval()
        expectClose(duringTraining, encoder.embed(["the cat sat on the mat"]), rtol: 0, atol: 0, "embed in training mode")
    }

    @Test func fineTuningTheClassifierLowersItsLoss() throws {
        let model = try BertClassifier(directory: directory, classCount: 2, pooling: .mean, generator: RandomGenerator(seed: 3))
        let encoder = BertEncoder(model: model.bert, tokenizer: try BertEncoder(directory: directory).tokenizer)
        let texts = ["the cat sat on the mat", "a dog sat on the mat", "every even number is the sum of two primes",
                     "let x be prime then x > two"]
        let batch = Collator(padID: 0).collate(texts.map(encoder.tokenize), labels: [0, 0, 1, 1])
        model.train()
        let optimizer = try AdamW(model.trainableParameters(), .adamW(learningRate: 3e-3))
        var losses: [Float] = []
        for _ in 0..<15 {
            let loss = crossEntropy(model.logits(batch), batch.labels!)
            losses.append(loss.item)
            loss.backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        #expect(losses.last! < 0.5 * losses.first!, "losses \(losses)")
    }

    @Test func parameterKeysAreHuggingFaces() throws {
        let stored = Set(try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors")).floatTensors().keys)
        let configuration = try BertConfiguration(contentsOf: directory.appendingPathComponent("config.json"))
        let fresh = BertModel(configuration: configuration, generator: RandomGenerator(seed: 1))
        #expect(Set(fresh.stateDict().keys) == stored)
        #expect(stored.contains("encoder.layer.1.attention.self.query.weight"))
        let classifier = BertClassifier(configuration: configuration, classCount: 4, generator: RandomGenerator(seed: 1))
        #expect(Set(classifier.stateDict().keys) == Set(stored.map { "bert.\($0)" } + ["classifier.weight", "classifier.bias"]))
        #expect(classifier.classifier.weight.shape == [4, 32])
    }

    @Test func freshModelIsInitializedAsTransformersDoes() throws {
        let configuration = BertConfiguration(vocabularySize: 500, hiddenSize: 64, layerCount: 1, headCount: 4,
                                              intermediateSize: 128, initializerRange: 0.02)
        let model = BertModel(configuration: configuration, generator: RandomGenerator(seed: 7))
        let words = model.embeddings.wordEmbeddings.weight.scalars
        let std = (words.map { $0 * $0 }.reduce(0, +) / Float(words.count - 64)).squareRoot()
        #expect(abs(std - 0.02) < 0.001, "std \(std)")
        #expect(words.prefix(64).allSatisfy { $0 == 0 }, "padding row starts at zero")
        #expect(model.encoder.layers[0].attention.selfAttention.query.bias!.scalars.allSatisfy { $0 == 0 })
        #expect(model.encoder.layers[0].output.layerNorm.weight!.scalars.allSatisfy { $0 == 1 })
    }
}
