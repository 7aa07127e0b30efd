import Foundation
import Hummingbird
import HummingbirdTesting
import Lemma
import Testing
import LemmaServe

/// `POST /v1/chat/completions`: a conversation rendered with the server's chat template, generated exactly as
/// `/v1/completions` generates the rendered prompt, answered in OpenAI's chat shape.
struct ChatCompletionTests {
    static let conversation = #"[{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "Prove "}, {"type": "text", "text": "it."}]}]"#

    @Test func templatesRenderConversations() {
        let messages = [ChatTemplate.Message(role: "developer", content: "Be brief."), ChatTemplate.Message(role: "user", content: "Hi")]
        #expect(ChatTemplate.dialogpt.prompt(messages) == "Be brief.<|endoftext|>Hi<|endoftext|>")
        #expect(ChatTemplate.chatml.prompt(messages)
                == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        #expect(ChatTemplate.chatml.stops == ["<|im_end|>"] && ChatTemplate.dialogpt.stops.isEmpty)
    }

    @Test(arguments: [ChatTemplate.dialogpt, .chatml])
    func aChatIsTheCompletionOfItsRenderedPrompt(_ template: ChatTemplate) async throws {
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) { $0.chatTemplate = template }
        let prompt = template.prompt([.init(role: "system", content: "Be brief."), .init(role: "user", content: "Prove it.")])
        let escaped = String(data: try JSONSerialization.data(withJSONObject: [prompt]), encoding: .utf8)!.dropFirst().dropLast()
        try await server.withLiveClient { client in
            let settings = #""max_tokens": 10, "seed": 7, "temperature": 0.9, "n": 2"#
            let chat = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.conversation), \#(settings)}"#)
            #expect(chat.status == .ok, "\(chat.text)")
            #expect(chat.json["object"] as? String == "chat.completion")
            #expect((chat.json["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choices = (chat.json["choices"] as? [[String: Any]] ?? []).sorted { ($0["index"] as! Int) < ($1["index"] as! Int) }
            #expect(choices.count == 2)
            let messages = choices.map { $0["message"] as? [String: String] ?? [:] }
            #expect(messages.allSatisfy { $0["role"] == "assistant" })

            // The same sequences through /v1/completions (chatml's stop string added by hand).
            let stop = template.stops.isEmpty ? "" : #", "stop": ["<|im_end|>"]"#
            let plain = try await client.post("/v1/completions", #"{"prompt": \#(escaped), \#(settings)\#(stop)}"#)
            #expect(plain.status == .ok, "\(plain.text)")
            #expect(messages.map { $0["content"] ?? "?" } == CompletionTests.texts(plain))
            #expect(choices.map { $0["finish_reason"] as? String } == (plain.json["choices"] as! [[String: Any]])
                .sorted { ($0["index"] as! Int) < ($1["index"] as! Int) }.map { $0["finish_reason"] as? String })
            #expect(chat.json["usage"] as? [String: Int] == plain.json["usage"] as? [String: Int])

            // Streamed: a role delta opens each choice, content deltas add up to the same text, then [DONE].
            let streamed = try await client.post("/v1/chat/completions", #"{"messages": \#(Self.conversation), \#(settings), "stream": true}"#)
            let events = CompletionTests.events(streamed.text)
            #expect(events.last == "[DONE]")
            var texts = ["", ""], roles = [0, 0], finishes: [String?] = [nil, nil]
            for event in events.dropLast() {
                let object = try JSONSerialization.jsonObject(with: Data(event.utf8)) as! [String: Any]
                #expect(object["object"] as? String == "chat.completion.chunk")
                for choice in object["choices"] as! [[String: Any]] {
                    let index = choice["index"] as! Int
                    let delta = choice["delta"] as! [String: Any]
                    if delta["role"] as? String == "assistant" { roles[index] += 1; #expect(texts[index].isEmpty) }
                    texts[index] += delta["content"] as? String ?? ""
                    if let reason = choice["finish_reason"] as? String { finishes[index] = reason }
                }
            }
            #expect(roles == [1, 1])
            #expect(texts == messages.map { $0["content"] ?? "?" })
            #expect(finishes == choices.map { $0["finish_reason"] as? String })
        }
    }

    @Test func badChatRequestsAreOpenAIErrors() async throws {
        let without = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] })
        try await without.withLiveClient { client in
            let response = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}]}"#)
            #expect(response.status == .badRequest)
            let error = response.json["error"] as? [String: Any]
            #expect(error?["code"] as? String == "no_chat_template")
            #expect((error?["message"] as? String)?.contains("--chat-template") == true)
        }
        let server = try await ServeFixtures.server({ [.directory(ServeFixtures.gpt2)] }) { $0.chatTemplate = .chatml }
        try await server.withLiveClient { client in
            let cases: [(String, String)] = [
                (#"{"max_tokens": 3}"#, "missing_field"),
                (#"{"messages": []}"#, "invalid_value"),
                (#"{"messages": "hi"}"#, "invalid_type"),
                (#"{"messages": [5]}"#, "invalid_type"),
                (#"{"messages": [{"content": "hi"}]}"#, "missing_field"),
                (#"{"messages": [{"role": "robot", "content": "hi"}]}"#, "invalid_value"),
                (#"{"messages": [{"role": "user"}]}"#, "missing_field"),
                (#"{"messages": [{"role": "user", "content": 3}]}"#, "invalid_type"),
                (#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#, "unsupported_parameter"),
                (#"{"messages": [{"role": "user", "content": "hi"}], "tools": []}"#, "unsupported_parameter"),
                (#"{"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 0}"#, "invalid_value"),
                (#"{"messages": [{"role": "user", "content": "\#(String(repeating: "word ", count: 100))"}]}"#, "input_too_long"),
            ]
            for (body, code) in cases {
                let response = try await client.post("/v1/chat/completions", body)
                #expect(response.status == .badRequest, "\(body.prefix(70))")
                #expect((response.json["error"] as? [String: Any])?["code"] as? String == code, "\(body.prefix(70)): \(response.text)")
            }
            // max_completion_tokens (OpenAI's newer name) bounds the reply.
            let bounded = try await client.post("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 2, "ignore_eos": true}"#)
            #expect((bounded.json["usage"] as? [String: Int])?["completion_tokens"] == 2)
        }
    }
}
