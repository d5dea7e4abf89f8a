import Foundation

/// A language model behind one of the wire protocols Parley speaks. The app holds one; tests and
/// embedders can hand in their own.
public protocol LLMProvider: Sendable {
    /// The protocol's name as configured (`openai`, `ollama`, `anthropic`), shown by `/api/v1/models`.
    var name: String { get }

    /// Streams a reply: `onDelta` gets each piece of text as it arrives and the next piece is not
    /// read until it returns, so a slow consumer slows the upstream read. Returns once the
    /// provider says the reply is complete; throws `LLMError` on any failure, and whatever
    /// `onDelta` throws.
    func streamReply(to request: LLMRequest, onDelta: @escaping @Sendable (String) async throws -> Void) async throws -> LLMCompletion

    /// The models the provider offers.
    func listModels() async throws -> [String]
}

public struct LLMMessage: Sendable, Equatable, Codable {
    public var role: MessageRole
    public var content: String

    public init(role: MessageRole, content: String) {
        self.role = role
        self.content = content
    }
}

public struct LLMRequest: Sendable, Equatable {
    public var messages: [LLMMessage]
    public var model: String
    public var temperature: Double?
    /// Always set: small local models otherwise generate until their context is full.
    public var maxTokens: Int
    /// Sequences that end the reply where they would appear (OpenAI's `stop`); nil: none.
    public var stop: [String]?

    public init(messages: [LLMMessage], model: String, temperature: Double? = nil, maxTokens: Int, stop: [String]? = nil) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stop = stop
    }
}

public struct TokenUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }
}

public struct LLMCompletion: Sendable, Equatable {
    public var text: String
    public var finishReason: String?
    public var usage: TokenUsage?
    /// The model the provider says answered, when it says.
    public var model: String?

    public init(text: String, finishReason: String? = nil, usage: TokenUsage? = nil, model: String? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
    }
}
