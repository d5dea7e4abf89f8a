import Vapor

/// One log line per request once its response is ready (for a stream: once it starts): method,
/// path as received (still percent-encoded), status, time taken and client address. Replaces
/// Vapor's `RouteLoggingMiddleware`, which percent-decodes the path, so `/%0aFAKE` wrote a
/// line of the client's choosing into the log.
struct RequestLogMiddleware: Middleware {
    let level: Logger.Level

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        // Nothing to measure or write when the level is off (the common case: it logs at debug).
        guard request.logger.logLevel <= level else { return next.respond(to: request) }
        let started = ContinuousClock.now
        return next.respond(to: request).map { response in
            let milliseconds = (ContinuousClock.now - started) / .milliseconds(1)
            request.logger.log(level: level, """
                \(LogText.escaped(request.method.rawValue)) \(LogText.escaped(request.url.path)) \
                \(response.status.code) \(milliseconds.formatted(.number.precision(.fractionLength(1))))ms \
                client=\(request.clientAddress ?? "-")
                """)
            return response
        }
    }
}

enum LogText {
    /// `text` with control characters (C0, DEL, C1, the Unicode line and paragraph separators)
    /// written as `\u{…}` and backslashes doubled, so nothing in it can end a log line or pass
    /// for such an escape.
    static func escaped(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029:
                escaped.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            case 0x5C:
                escaped.append(contentsOf: "\\\\".unicodeScalars)
            default:
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}
