import Vapor

/// Serves the chat page: `GET /` and its files under `/assets/<version>/<file>`. The page is an
/// ordinary client of the API; everything else keeps answering JSON.
struct WebController: RouteCollection {
    let files: WebAssets
    let page: WebAssets.File

    init(files: WebAssets = .bundled, openRegistration: Bool) {
        self.files = files
        self.page = files.page(openRegistration: openRegistration)
    }

    /// Only the page's own files may load, nothing may run inline or from a string (`eval`), and
    /// Trusted Types make every HTML-parsing sink (`innerHTML` and kin) throw: text a user or the
    /// model wrote can only ever become text nodes.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        "require-trusted-types-for 'script'", "trusted-types 'none'",
    ].joined(separator: "; ")

    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: index)
        routes.get("assets", ":version", ":file", use: asset)
    }

    /// The page is revalidated on every load (cheap: a 304), so a new release shows at once.
    @Sendable
    func index(request: Request) async throws -> Response {
        var headers: HTTPHeaders = [
            "Cache-Control": "no-cache",
            "Content-Security-Policy": Self.contentSecurityPolicy,
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin",
        ]
        return Self.respond(with: page, headers: &headers, to: request)
    }

    /// Fingerprinted files never change under their URL: cached for a year without asking.
    @Sendable
    func asset(request: Request) async throws -> Response {
        guard request.parameters.get("version") == files.version,
              let name = request.parameters.get("file"), let file = files.assets[name]
        else { throw Abort(.notFound, reason: "Not Found") }
        var headers: HTTPHeaders = [
            "Cache-Control": "public, max-age=31536000, immutable",
            // An SVG opened on its own is a document: it may run nothing either.
            "Content-Security-Policy": "default-src 'none'",
        ]
        return Self.respond(with: file, headers: &headers, to: request)
    }

    private static func respond(with file: WebAssets.File, headers: inout HTTPHeaders, to request: Request) -> Response {
        headers.replaceOrAdd(name: .eTag, value: file.etag)
        headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        if matches(request.headers[.ifNoneMatch], file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers.replaceOrAdd(name: .contentType, value: file.contentType)
        headers.replaceOrAdd(name: .vary, value: "Accept-Encoding")
        let response = Response(status: .ok, headers: headers, body: .init(buffer: file.body))
        // The page's text files shrink to about a quarter with gzip, for clients that ask for it;
        // the API's responses are left as they are.
        response.headers.responseCompression = .enable
        return response
    }

    /// `If-None-Match: "a", W/"b"` or `*` (weak comparison, as RFC 9110 asks for this header).
    static func matches(_ values: [String], _ etag: String) -> Bool {
        let tags = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        return tags.contains { $0 == "*" || $0 == etag || $0 == "W/" + etag }
    }
}
