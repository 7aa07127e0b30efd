import Foundation

/// How a conversation becomes one prompt for a language model, and where the model's reply ends. Built in,
/// the way llama.cpp names the formats it knows, rather than a Jinja engine for Hugging Face's
/// `chat_template`: a base GPT-2 (or one trained on proofs) has no chat format at all, so
/// `/v1/chat/completions` answers only when `lemma serve --chat-template` names the one the model was
/// fine-tuned on.
public enum ChatTemplate: String, CaseIterable, Sendable {
    /// DialoGPT's (GPT-2 fine-tuned on conversations): every turn's text followed by `<|endoftext|>`, the
    /// reply generated after the last one and ended by the next (the end-of-text token already stops GPT-2).
    case dialogpt
    /// ChatML: `<|im_start|>role\ncontent<|im_end|>\n` per message, then `<|im_start|>assistant\n`; the reply
    /// ends at `<|im_end|>`.
    case chatml

    public struct Message: Equatable, Sendable {
        public let role: String
        public let content: String

        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    /// The roles a message may have (OpenAI's `developer` is its newer name for `system`).
    public static let roles: Set<String> = ["system", "developer", "user", "assistant"]

    /// The prompt the model continues with the assistant's reply.
    public func prompt(_ messages: [Message]) -> String {
        switch self {
        case .dialogpt:
            return messages.map { $0.content + "<|endoftext|>" }.joined()
        case .chatml:
            let turns = messages.map { message in
                "<|im_start|>\(message.role == "developer" ? "system" : message.role)\n\(message.content)<|im_end|>\n"
            }
            return turns.joined() + "<|im_start|>assistant\n"
        }
    }

    /// Text that ends a reply besides the model's end token (cut from the reply, as OpenAI's `stop` is).
    public var stops: [String] {
        switch self {
        case .dialogpt: []
        case .chatml: ["<|im_end|>"]
        }
    }
}
