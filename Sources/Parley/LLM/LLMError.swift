import Vapor

/// How a provider failed, and the status the contract gives each case.
public enum LLMError: Error, Equatable, Sendable {
    /// Could not connect at all (refused, no route, name unknown) → 503.
    case unreachable(String)
    /// Answered with an error status → 502, with the provider's own message when it had one.
    case providerStatus(code: Int, message: String?)
    /// Answered something that is not the protocol, or broke off mid-reply → 502.
    case invalidResponse(String)
    /// Stayed silent longer than `LLM_TIMEOUT_SECONDS` → 504.
    case timeout(seconds: Double)
}

extension LLMError: AbortError {
    public var status: HTTPResponseStatus {
        switch self {
        case .unreachable: .serviceUnavailable
        case .providerStatus, .invalidResponse: .badGateway
        case .timeout: .gatewayTimeout
        }
    }

    public var reason: String {
        switch self {
        case .unreachable:
            // The cause (address, errno) goes to the log, not to API clients.
            "Model provider unreachable"
        case let .providerStatus(code, message?):
            "Model provider error (HTTP \(code)): \(message)"
        case let .providerStatus(code, nil):
            "Model provider error (HTTP \(code))"
        case let .invalidResponse(detail):
            "Model provider sent an invalid response: \(detail)"
        case let .timeout(seconds):
            "Model provider timed out (silent for \(seconds.formatted()) s)"
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
}
