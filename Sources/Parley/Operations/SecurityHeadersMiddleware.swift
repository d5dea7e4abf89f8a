import Vapor

/// Headers that make browsers treat every response as what it says it is and nothing more: no
/// content sniffing, no referrer leaking tokens in URLs, and, unless a response brings its own
/// (the chat page does), a policy that lets it load, run and frame nothing.
struct SecurityHeadersMiddleware: Middleware {
    static let defaultContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
            if !response.headers.contains(name: "Content-Security-Policy") {
                response.headers.add(name: "Content-Security-Policy", value: Self.defaultContentSecurityPolicy)
            }
            return response
        }
    }
}
