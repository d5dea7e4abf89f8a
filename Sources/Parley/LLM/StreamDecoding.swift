import Foundation

/// What a provider's stream says, independent of its wire format.
public enum StreamPart: Sendable, Equatable {
    case delta(String)
    case finishReason(String)
    case promptTokens(Int)
    case completionTokens(Int)
    case model(String)
    /// The provider said the reply is complete.
    case end
}

/// Turns a provider's response bytes, in chunks split anywhere, into `StreamPart`s. Pure, so each
/// protocol is tested without a network.
public protocol StreamDecoder: Sendable {
    mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [StreamPart]
    /// The stream closed; anything still buffered is read.
    mutating func finish() throws -> [StreamPart]
}

/// Collects parts into a completion while passing text on, up to `maxTextBytes` of text.
struct ReplyAccumulator {
    var maxTextBytes = Int.max
    var text = ""
    var finishReason: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var model: String?
    var ended = false

    /// Applies one part; returns the text to pass on, if it was text.
    mutating func apply(_ part: StreamPart) throws -> String? {
        switch part {
        case let .delta(piece):
            guard !piece.isEmpty else { return nil }
            guard text.utf8.count + piece.utf8.count <= maxTextBytes else {
                throw LLMError.limitExceeded("the reply was longer than \(StreamLimit.size(maxTextBytes)) (LLM_MAX_REPLY_BYTES)")
            }
            text += piece
            return piece
        case let .finishReason(reason): finishReason = reason
        case let .promptTokens(count): promptTokens = count
        case let .completionTokens(count): completionTokens = count
        case let .model(name): model = name
        case .end: ended = true
        }
        return nil
    }

    var completion: LLMCompletion {
        let usage = (promptTokens != nil || completionTokens != nil)
            ? TokenUsage(promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0) : nil
        return LLMCompletion(text: text, finishReason: finishReason, usage: usage, model: model)
    }
}

enum StreamJSON {
    static func decode<T: Decodable>(_ type: T.Type, from text: String, protocolName: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw LLMError.invalidResponse(
                "the \(protocolName) stream carried something that is not its JSON", received: String(text.prefix(120)))
        }
    }
}

/// Bounds on what one provider reply may make Parley hold, so a provider that never ends a line,
/// or ignores `max_tokens`, cannot grow a request's memory without end.
public enum StreamLimit {
    /// Far above any real event or NDJSON line (a token's JSON is a few hundred bytes).
    public static let lineBytes = 1 << 20

    static func lineTooLong(_ limit: Int) -> LLMError {
        .limitExceeded("a line of its stream was longer than \(size(limit))")
    }

    static func size(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
