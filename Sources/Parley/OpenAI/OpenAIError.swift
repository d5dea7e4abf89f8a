import Vapor

/// OpenAI's error body, `{"error": {"message", "type", "param", "code"}}`, which OpenAI's
/// clients turn into their typed exceptions (they go by the status; `type` and `code` tell
/// the rest). Only the `/v1/…` routes answer in it; every other route keeps `{"detail"}`.
struct OpenAIErrorBody: Encodable {
    struct Detail: Encodable {
        var message: String
        var type: String
        var param: String?
        var code: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)
            try container.encode(code, forKey: .code)
        }
        enum CodingKeys: String, CodingKey { case message, type, param, code }
    }
    var error: Detail

    /// The status and body for `error`: 422s become OpenAI's 400 `invalid_request_error`.
    static func from(_ error: any Error) -> (HTTPResponseStatus, HTTPHeaders, OpenAIErrorBody) {
        switch error.forClient {
        case let failure as ValidationFailure:
            return invalid(failure)
        case let failure as DecodingError:
            return invalid(ValidationFailure(decoding: failure))
        case let abort as any AbortError where abort.status != .internalServerError:
            let (type, code) = kind(of: abort)
            return (abort.status, abort.headers, OpenAIErrorBody(error: .init(message: abort.reason, type: type, code: code)))
        default:
            return (.internalServerError, [:], OpenAIErrorBody(error: .init(message: "Internal server error", type: "server_error", code: nil)))
        }
    }

    private static func invalid(_ failure: ValidationFailure) -> (HTTPResponseStatus, HTTPHeaders, OpenAIErrorBody) {
        let message = failure.issues.map { issue in
            "\(issue.loc.dropFirst().map(\.plain).joined(separator: ".")): \(issue.msg)"
        }.joined(separator: "; ")
        let param = failure.issues.first.map { $0.loc.dropFirst().map(\.plain).joined(separator: ".") }
        return (.badRequest, [:], OpenAIErrorBody(error: .init(message: message, type: "invalid_request_error", param: param, code: nil)))
    }

    private static func kind(of abort: any AbortError) -> (type: String, code: String?) {
        switch abort.status.code {
        case 401: ("invalid_request_error", "invalid_api_key")
        case 403: ("permission_error", nil)
        case 404: ("invalid_request_error", "not_found")
        case 429 where abort.reason == Abort.budgetReached(retryAfter: 0).reason: ("insufficient_quota", "insufficient_quota")
        case 429: ("rate_limit_error", "rate_limit_exceeded")
        case 400..<500: ("invalid_request_error", nil)
        default: ("server_error", nil)
        }
    }
}

/// Answers the errors of the routes it wraps in OpenAI's shape.
struct OpenAIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let (status, headers, body) = OpenAIErrorBody.from(error)
            if status.code >= 500 {
                request.logger.error("\(status.code) \(request.method) \(request.url.path): \(String(reflecting: error))")
            }
            var responseHeaders = headers
            responseHeaders.replaceOrAdd(name: .contentType, value: "application/json")
            return Response(status: status, headers: responseHeaders, body: .init(data: try JSONEncoder().encode(body)))
        }
    }
}

private extension JSONValue {
    /// A location part as text: `messages.0.content`.
    var plain: String {
        switch self {
        case let .string(text): text
        case let .number(number): number == number.rounded() ? String(Int(number)) : String(number)
        default: "\(self)"
        }
    }
}
