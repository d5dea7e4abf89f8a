import Vapor

/// Gives every request an id, sent back as `X-Request-ID` and put on every log line written for
/// it, so one request can be followed through the logs and matched with what a client saw.
/// An incoming id is kept when it is sane (a proxy's or a client's own), else one is made up.
///
/// This and the other middleware every request passes through are future-based, not async: in
/// Vapor 4 each `AsyncMiddleware` starts a task of its own, a thread hop there and back per layer.
struct RequestIDMiddleware: Middleware {
    /// Long enough for any UUID, trace or proxy id; short and printable so it cannot bloat or
    /// break a log line.
    static let maxLength = 128

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let id = Self.accepted(request.headers.first(name: .xRequestId)) ?? UUID().lowercasedString
        request.logger[metadataKey: "request-id"] = .string(id)
        return next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: .xRequestId, value: id)
            return response
        }
    }

    /// `value` when it is 1…128 visible ASCII characters.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...maxLength).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }
}
