import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct WebPageTests {
    /// The `/assets/…` URLs the page names in `href` and `src`.
    private func assetPaths(in html: String) -> [String] {
        html.matches(of: /(?:href|src)="(\/assets\/[^"]+)"/).map { String($0.1) }
    }

    @Test func pageIsHTMLUnderAStrictPolicyAndRevalidated() async throws {
        try await withServer { server in
            let page = try await server.send(.GET, "/")
            #expect(page.status == .ok)
            #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(page.headers.first(name: "Cache-Control") == "no-cache")
            #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
            for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                              "frame-ancestors 'none'", "base-uri 'none'", "require-trusted-types-for 'script'"] {
                #expect(policy.contains(directive), "\(directive)")
            }
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(page.text.contains(#"<meta name="parley-signup" content="open">"#))
            #expect(!page.text.contains("{{"), "a placeholder was left unfilled")

            let etag = try #require(page.headers.first(name: "ETag"))
            let again = try await server.send(.GET, "/", headers: [("If-None-Match", "W/\(etag)")])
            #expect(again.status == .notModified)
            #expect(again.body.isEmpty)
            #expect(again.headers.first(name: "ETag") == etag)
            let other = try await server.send(.GET, "/", headers: [("If-None-Match", #""something-else""#)])
            #expect(other.status == .ok)
        }
    }

    @Test func pageHasNoInlineScriptStyleOrHandlers() async throws {
        try await withServer { server in
            let html = try await server.send(.GET, "/").text
            #expect(html.matches(of: /<script(?![^>]*\ssrc=)[^>]*>/).isEmpty, "inline <script>")
            #expect(html.matches(of: /<style/).isEmpty)
            #expect(html.matches(of: /\sstyle=/).isEmpty)
            #expect(html.matches(of: /\son[a-z]+=/).isEmpty, "inline event handler")
            #expect(html.matches(of: /(?:href|src)="(?:https?:)?\/\//).isEmpty, "something fetched from elsewhere")
        }
    }

    @Test func assetsAreFingerprintedTypedAndCachedForGood() async throws {
        try await withServer { server in
            let html = try await server.send(.GET, "/").text
            let paths = assetPaths(in: html)
            #expect(paths.contains { $0.hasSuffix("/main.js") } && paths.contains { $0.hasSuffix("/app.css") })
            for path in Set(paths) {
                let asset = try await server.send(.GET, path)
                #expect(asset.status == .ok, "\(path)")
                let type = try #require(asset.headers.first(name: "Content-Type"))
                #expect(type == WebAssets.contentTypes[(path as NSString).pathExtension], "\(path): \(type)")
                #expect(asset.headers.first(name: "Cache-Control") == "public, max-age=31536000, immutable")
                #expect(asset.headers.first(name: "X-Content-Type-Options") == "nosniff")
                let etag = try #require(asset.headers.first(name: "ETag"))
                let revalidated = try await server.send(.GET, path, headers: [("If-None-Match", etag)])
                #expect(revalidated.status == .notModified)
            }
        }
    }

    @Test func thePageAndItsFilesAreGzippedForClientsThatAskForIt() async throws {
        try await withServer { server in
            let html = try await server.send(.GET, "/").text
            for path in ["/"] + Set(assetPaths(in: html)).filter({ !$0.hasSuffix(".svg") }) {
                // (The test client inflates what it receives, so only the headers tell.)
                let plain = try await server.send(.GET, path, headers: [("Accept-Encoding", "identity")])
                #expect(plain.headers.first(name: "Content-Encoding") == nil, "\(path)")
                let gzipped = try await server.send(.GET, path, headers: [("Accept-Encoding", "gzip")])
                #expect(gzipped.headers.first(name: "Content-Encoding") == "gzip", "\(path)")
                #expect(gzipped.headers.first(name: "Vary")?.contains("Accept-Encoding") == true)
                #expect(gzipped.body == plain.body)
            }
            let api = try await server.send(.GET, "/health", headers: [("Accept-Encoding", "gzip")])
            #expect(api.headers.first(name: "Content-Encoding") == nil)
        }
    }

    /// The modules import each other by relative path: every import must be a file served beside them.
    @Test func everyModuleImportResolves() async throws {
        try await withServer { server in
            let main = try #require(assetPaths(in: try await server.send(.GET, "/").text).first { $0.hasSuffix("/main.js") })
            let folder = String(main.dropLast("main.js".count))
            var pending = ["main.js"]
            var seen = Set<String>()
            while let name = pending.popLast() {
                guard seen.insert(name).inserted else { continue }
                let module = try await server.send(.GET, folder + name)
                #expect(module.status == .ok, "\(name) is imported but not served")
                pending += module.text.matches(of: /(?:from|import)\s*"\.\/([\w.-]+\.js)"/).map { String($0.1) }
            }
            #expect(seen.isSuperset(of: ["main.js", "api.js", "sse.js", "markdown.js", "chat.js"]))
        }
    }

    @Test func unknownAssetsAndAPIPathsStayJSON404s() async throws {
        try await withServer { server in
            let version = WebAssets.bundled.version
            for path in ["/assets/\(version)/nope.js", "/assets/0000/main.js", "/assets/\(version)/index.html",
                         "/assets/\(version)/..%2Fmain.js", "/api/v1/nope", "/api/nope", "/api/v1/conversations/x/y/z", "/index.html"] {
                let response = try await server.send(.GET, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.headers.first(name: "Content-Type") == "application/json", "\(path)")
                #expect(response.text == #"{"detail":"Not Found"}"#, "\(path)")
            }
            let post = try await server.send(.POST, "/")
            #expect(post.status == .methodNotAllowed)
            #expect(post.detail == "Method Not Allowed")
        }
    }

    @Test func closedRegistrationIsToldToThePage() async throws {
        try await withServer({ $0.openRegistration = false }) { server in
            let page = try await server.send(.GET, "/")
            #expect(page.text.contains(#"<meta name="parley-signup" content="closed">"#))
        }
    }

    /// Branches, keys, the admin view and search made the page grow; gzip sends about a third of it.
    @Test func pageFilesWeighUnder200KB() throws {
        let assets = WebAssets.bundled
        let total = assets.assets.values.reduce(0) { $0 + $1.body.readableBytes } + assets.pageTemplate.utf8.count
        #expect(total < 200_000, "\(total) bytes")
    }
}
