import Vapor

/// Turns every error into the contract's bodies: `{"detail": "…"}`, FastAPI's 422 lists, 405 for a
/// known path under another method, and a bare 500 whose cause goes only to the log.
struct APIErrorMiddleware: Middleware {
    let routes: RouteTable

    // Future-based, as `RequestIDMiddleware` says why.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in
            self.response(for: error, to: request)
        }
    }

    private func response(for error: any Error, to request: Request) -> Response {
        if case let unavailable as Abort = error.forClient, !(error is any AbortError) {
            request.logger.warning("\(unavailable.status.code) \(request.method) \(LogText.escaped(request.url.path)): \(String(reflecting: error))")
            return Self.json(status: unavailable.status, DetailBody(detail: unavailable.reason), headers: unavailable.headers)
        }
        switch error {
        case is CancellationError:
            // The client left and its request's task was cancelled: nobody reads this answer.
            request.logger.debug("\(request.method) \(LogText.escaped(request.url.path)): cancelled, the client left")
            return Self.json(status: .serviceUnavailable, DetailBody(detail: "Cancelled"))
        case let failure as ValidationFailure:
            return Self.json(status: .unprocessableEntity, ValidationBody(detail: failure.issues))
        case let failure as DecodingError:
            return Self.json(status: .unprocessableEntity, ValidationBody(detail: ValidationFailure(decoding: failure).issues))
        case is RouteNotFound:
            let allowed = routes.methods(forPath: request.url.path)
            guard !allowed.isEmpty else {
                return Self.json(status: .notFound, DetailBody(detail: "Not Found"))
            }
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .allow, value: allowed.map(\.rawValue).joined(separator: ", "))
            return Self.json(status: .methodNotAllowed, DetailBody(detail: "Method Not Allowed"), headers: headers)
        case let abort as any AbortError where abort.status != .internalServerError:
            if abort.status.code >= 500 {
                request.logger.error("\(abort.status.code) \(request.method) \(LogText.escaped(request.url.path)): \(abort.reason)")
            }
            return Self.json(status: abort.status, DetailBody(detail: abort.reason), headers: abort.headers)
        default:
            request.logger.error("500 \(request.method) \(LogText.escaped(request.url.path)): \(String(reflecting: error))")
            return Self.json(status: .internalServerError, DetailBody(detail: "Internal server error"))
        }
    }

    private struct DetailBody: Encodable { let detail: String }
    private struct ValidationBody: Encodable { let detail: [ValidationFailure.Issue] }

    private static func json(status: HTTPStatus, _ body: some Encodable, headers: HTTPHeaders = [:]) -> Response {
        var headers = headers
        headers.remove(name: .contentType)
        headers.replaceOrAdd(name: .contentType, value: "application/json")
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"detail":"Internal server error"}"#.utf8)
        return Response(status: status, headers: headers, body: .init(data: data))
    }
}
