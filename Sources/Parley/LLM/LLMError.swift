import Vapor

/// How a provider failed, and the status the contract gives each case. What the provider itself
/// said never reaches API clients (an OpenAI 401 quotes part of the API key): `reason` is
/// Parley's own words, `description` (for the log) adds the provider's, with keys redacted.
public enum LLMError: Error, Equatable, Sendable {
    /// Could not connect at all (refused, no route, name unknown) → 503.
    case unreachable(String)
    /// Every connection to the provider stayed in use past the connect timeout → 503 with
    /// `Retry-After`: the provider is up, Parley has as many requests on it as it allows.
    case busy
    /// Answered with a status other than 2xx, redirects included (they are not followed, so the
    /// API key is never sent elsewhere) → 502. `message`: the provider's, redacted, for the log.
    case providerStatus(code: Int, message: String?)
    /// Said mid-reply that it failed → 502. The message is the provider's, for the log.
    case providerReported(String)
    /// Answered something that is not the protocol, or broke off mid-reply → 502. `detail` is
    /// Parley's words; `received` a piece of what the provider sent, for the log.
    case invalidResponse(String, received: String? = nil)
    /// The reply broke one of Parley's bounds (a line, its size, the turn's duration) → 502.
    case limitExceeded(String)
    /// Stayed silent longer than `LLM_TIMEOUT_SECONDS` → 504.
    case timeout(seconds: Double)
}

extension LLMError: AbortError {
    public var status: HTTPResponseStatus {
        switch self {
        case .unreachable, .busy: .serviceUnavailable
        case .providerStatus, .providerReported, .invalidResponse, .limitExceeded: .badGateway
        case .timeout: .gatewayTimeout
        }
    }

    /// How long a client should wait before retrying a chat that found every connection busy.
    static let busyRetryAfterSeconds = 5

    public var headers: HTTPHeaders {
        guard case .busy = self else { return [:] }
        return ["Retry-After": String(Self.busyRetryAfterSeconds)]
    }

    public var reason: String {
        switch self {
        case .unreachable:
            // The cause (address, errno) goes to the log, not to API clients.
            "Model provider unreachable"
        case .busy:
            "All connections to the model provider are in use; try again in a few seconds"
        case let .providerStatus(code, _) where (300..<400).contains(code):
            "The model provider answered \(code), a redirect, which Parley does not follow"
        case let .providerStatus(code, _):
            "The model provider answered \(code)"
        case .providerReported:
            "The model provider reported an error mid-reply"
        case let .invalidResponse(detail, _):
            "Model provider sent an invalid response: \(detail)"
        case let .limitExceeded(detail):
            "The model provider's reply was cut off: \(detail)"
        case let .timeout(seconds):
            "Model provider timed out (silent for \(seconds.formatted()) s)"
        }
    }
}

extension LLMError: CustomStringConvertible {
    /// For the log: the reason, and what the provider said.
    public var description: String {
        switch self {
        case let .unreachable(cause): "\(reason): \(cause)"
        case .busy: "\(reason) (LLM_MAX_CONNECTIONS reached, none freed up within the connect timeout)"
        case let .providerStatus(_, message?): "\(reason): \(message)"
        case let .providerReported(message): "\(reason): \(message)"
        case let .invalidResponse(_, received?): "\(reason); received: \(received)"
        default: reason
        }
    }
}

/// A provider's error body, in any of the shapes the three protocols use:
/// `{"error": {"message": …}}`, `{"error": "…"}`, `{"message": …}`, `{"detail": …}`.
enum ProviderErrorMessage {
    static func extract(from body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty || text.hasPrefix("<") ? nil : text
        }
        let candidates: [Any?] = [
            (object["error"] as? [String: Any])?["message"], object["error"], object["message"], object["detail"],
        ]
        for case let message as String in candidates.compactMap({ $0 }) where !message.isEmpty {
            return String(message.prefix(500))
        }
        return nil
    }

    /// `text` with anything that looks like an API key, or a piece of one of `secrets`, replaced:
    /// providers quote keys masked (`sk-proj-****abcd`), and the mask keeps the key's ends.
    static func redacted(_ text: String, secrets: [String]) -> String {
        let secrets = secrets.filter { $0.count >= 8 }
        var text = text
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "[redacted]") }
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map { word -> Substring in
            let bare = word.trimmingCharacters(in: .punctuationCharacters.subtracting(CharacterSet(charactersIn: "-_*")))
            let looksLikeAKey = bare.hasPrefix("sk-") || bare.hasPrefix("sk_") || bare.contains("**")
                || secrets.contains { bare.count >= 4 && (bare.hasPrefix($0.prefix(6)) || bare.hasSuffix($0.suffix(4))) }
            return looksLikeAKey ? "[redacted]" : word
        }
        return words.joined(separator: " ")
    }
}
