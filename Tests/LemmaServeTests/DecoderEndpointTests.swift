import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import LemmaServe
import Testing

/// `/v1/translate` and `/v1/im2latex` answer what `lemma predict` computes with the same run.
struct DecoderEndpointTests {
    @Test func translationMatchesTheRunsDecoding() async throws {
        let server = try await ServeFixtures.server({ [.run(ServeFixtures.translator)] })
        let run = try #require(try TaskRegistry.open(RunDirectory(ServeFixtures.translator)) as? Seq2SeqRun)
        try run.loadTrainedModel()
        let texts = ["a b c", "d e", "b b a d"]
        let expected = try run.decode(texts.map { run.sourceIDs($0).ids }, batchSize: 8) { $0.returnSequences = 2 }
        try await server.withLiveClient { client in
            let response = try await client.post("/v1/translate", #"{"input": ["a b c", "d e", "b b a d"], "n": 2}"#)
            #expect(response.status == .ok)
            let data = try #require(response.json["data"] as? [[String: Any]])
            for (row, item) in data.enumerated() {
                let hypotheses = try #require(item["hypotheses"] as? [[String: Any]])
                #expect(hypotheses.map { $0["text"] as? String } == expected[row].map { run.targetText($0.tokens) })
                #expect(item["text"] as? String == run.targetText(expected[row][0].tokens))
            }
            // Sampling with a seed is repeatable, whatever is queued beside it.
            let sample = #"{"input": "a b", "sample": true, "seed": 4, "temperature": 1.5}"#
            let first = try await client.post("/v1/translate", sample).json["data"] as? [[String: Any]]
            let again = try await client.post("/v1/translate", sample).json["data"] as? [[String: Any]]
            #expect(first?[0]["text"] as? String == again?[0]["text"] as? String)
            // Uniform-within-set sampling (`lemma predict --uniform`) answers as the run decodes it in process.
            var uniform = DecodingRequest()
            (uniform.sample, uniform.topK, uniform.uniformWithinSet, uniform.seed, uniform.n) = (true, 3, true, 9, 3)
            let uniformExpected = try run.decode([run.sourceIDs("b b a d").ids], batchSize: 1) { uniform.apply(to: &$0) }[0]
            var byProbability = uniform
            byProbability.uniformWithinSet = false
            let byProbabilityExpected = try run.decode([run.sourceIDs("b b a d").ids], batchSize: 1) { byProbability.apply(to: &$0) }[0]
            #expect(uniformExpected.map(\.tokens) != byProbabilityExpected.map(\.tokens),
                    "the fixture decodes alike either way: the check below could not see \"uniform\" dropped")
            let uniformAnswer = try await client.post("/v1/translate", #"{"input": "b b a d", "uniform": true, "top_k": 3, "seed": 9, "n": 3}"#)
            #expect(uniformAnswer.status == .ok)
            let uniformHypotheses = try #require((uniformAnswer.json["data"] as? [[String: Any]])?.first?["hypotheses"] as? [[String: Any]])
            #expect(uniformHypotheses.map { $0["text"] as? String } == uniformExpected.map { run.targetText($0.tokens) })
            // "uniform": false is no sampling setting, so a beam may come with it.
            #expect(try await client.post("/v1/translate", #"{"input": "a", "uniform": false, "beams": 2}"#).status == .ok)
            // n-best beyond the beam widens it; a sampling setting asks for sampling.
            let widened = try await client.post("/v1/translate", #"{"input": "a b", "beams": 2, "n": 3}"#)
            #expect(((widened.json["data"] as? [[String: Any]])?.first?["hypotheses"] as? [Any])?.count == 3)
            #expect(try await client.post("/v1/translate", #"{"input": "a", "top_k": 3, "seed": 1}"#).status == .ok)
            #expect(try await client.post("/v1/translate", #"{"input": "a", "sample": true, "top_p": 0}"#).status == .badRequest)
            // Sampling, asked for or implied by a sampling setting, and a beam are separate strategies.
            // "uniform": true alone asks for sampling too.
            for body in [#"{"input": "a", "sample": true, "beams": 6}"#, #"{"input": "a", "beams": 3, "seed": 2}"#,
                         #"{"input": "a", "uniform": true, "beams": 2}"#] {
                let refused = try await client.post("/v1/translate", body)
                #expect(refused.status == .badRequest, "\(body)")
                #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "sampling and beam search are separate strategies; choose one")
            }
            #expect(try await client.post("/v1/translate", #"{"input": "a", "beams": 3, "seed": 2, "sample": false}"#).status == .ok)
        }
    }

    @Test func im2latexTakesPNGBodiesAndMultipartUploads() async throws {
        let server = try await ServeFixtures.server({ [.run(ServeFixtures.im2latex)] })
        let run = try #require(try TaskRegistry.open(RunDirectory(ServeFixtures.im2latex)) as? Im2LatexRun)
        try run.loadTrainedModel()
        let images = [ServeFixtures.formulaImage(1), ServeFixtures.formulaImage(3)]
        let expected = try run.decode(images.map { run.data.preprocessing.process($0)! }, batchSize: 4).map(run.latex)
        let pngs = try images.map(PNGCodec.encode)
        try await server.withLiveClient { client in
            let single = try await client.execute(uri: "/v1/im2latex", method: .post, headers: [.contentType: "image/png"],
                                                  body: ByteBuffer(bytes: pngs[0])) { $0 }
            #expect(single.status == .ok)
            #expect((single.json["data"] as? [[String: Any]])?.first?["latex"] as? String == expected[0])

            let boundary = "lemma-test-boundary"
            var form = Data()
            for (index, png) in pngs.enumerated() {
                form.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"image\"; filename=\"f\(index).png\"\r\nContent-Type: image/png\r\n\r\n".utf8))
                form.append(png)
                form.append(Data("\r\n".utf8))
            }
            form.append(Data("--\(boundary)--\r\n".utf8))
            let multipart = try await client.execute(uri: "/v1/im2latex", method: .post,
                                                     headers: [.contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(bytes: form)) { $0 }
            #expect(multipart.status == .ok)
            let data = try #require(multipart.json["data"] as? [[String: Any]])
            #expect(data.map { $0["latex"] as? String } == expected)
            #expect(data.map { $0["name"] as? String } == ["f0.png", "f1.png"])

            // With ?render=true each prediction comes back rendered by TeX Live too (the page shows it).
            let rendered = try await client.execute(uri: "/v1/im2latex?render=true", method: .post, headers: [.contentType: "image/png"],
                                                    body: ByteBuffer(bytes: pngs[0])) { $0 }
            let item = try #require((rendered.json["data"] as? [[String: Any]])?.first)
            if expected[0].isEmpty {
                #expect(item["rendering"] is NSNull)
            } else {
                let url = try #require(item["rendering"] as? String, "\(item)")
                #expect(url.hasPrefix("data:image/png;base64,"))
                let png = try #require(Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count))))
                #expect(try PNGCodec.decode(png, name: "rendering").width > 0)
            }

            // Not a PNG, a blank image, a truncated PNG: 400s naming the problem.
            let blank = try PNGCodec.encode(GrayImage(width: 10, height: 10, pixels: [UInt8](repeating: 255, count: 100)))
            for body in [Data("hello".utf8), blank, pngs[0].prefix(40)] {
                let response = try await client.execute(uri: "/v1/im2latex", method: .post, headers: [.contentType: "image/png"],
                                                        body: ByteBuffer(bytes: body)) { $0 }
                #expect(response.status == .badRequest)
                #expect((response.json["error"] as? [String: Any])?["code"] as? String == "invalid_image")
            }
            let wrongType = try await client.execute(uri: "/v1/im2latex", method: .post, headers: [.contentType: "text/plain"],
                                                     body: ByteBuffer(string: "x")) { $0 }
            #expect(wrongType.status == .unsupportedMediaType)
        }
    }
}
