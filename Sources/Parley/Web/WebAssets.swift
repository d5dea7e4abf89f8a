import Foundation
import Vapor

/// The chat page's files (`Public/` in the package's resources), read once at start-up.
///
/// Assets are served under `/assets/<version>/<file>`, where the version is a hash of all of
/// them: a browser may keep them for a year, and a new release changes every asset URL at once,
/// so an old script is never mixed with a new one. The modules import each other with relative
/// paths (`./api.js`), which resolve inside the same version without rewriting a byte of them.
struct WebAssets: Sendable {
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
        /// A strong validator: the hash of the bytes served.
        let etag: String
    }

    let version: String
    /// index.html, still holding its `{{placeholders}}`.
    let pageTemplate: String
    /// Every other file of the folder, by name.
    let assets: [String: File]

    static let contentTypes = [
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
    ]

    /// Read once per process: the files cannot change under a running binary.
    static let bundled: WebAssets = {
        guard let folder = Bundle.module.url(forResource: "Public", withExtension: nil) else {
            fatalError("The chat page's files (Public/) are missing from Parley's resource bundle")
        }
        do {
            return try WebAssets(folder: folder)
        } catch {
            fatalError("The chat page's files could not be read from \(folder.path): \(error)")
        }
    }()

    init(folder: URL) throws {
        var assets: [String: File] = [:]
        var template: String?
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            if name == "index.html" {
                template = String(decoding: data, as: UTF8.self)
                continue
            }
            let fileExtension = (name as NSString).pathExtension
            // Anything without a known type (a stray editor file) is not served.
            guard let type = Self.contentTypes[fileExtension] else { continue }
            assets[name] = File(body: ByteBuffer(data: data), contentType: type, etag: Self.etag(of: data))
        }
        guard let template else { throw Abort(.internalServerError, reason: "index.html is missing") }
        var whole = SHA256()
        for name in assets.keys.sorted() {
            whole.update(data: Data(name.utf8))
            whole.update(data: Data(assets[name]!.etag.utf8))
        }
        self.version = whole.finalize().prefix(6).map { String(format: "%02x", $0) }.joined()
        self.pageTemplate = template
        self.assets = assets
    }

    /// index.html with its placeholders filled: where the assets are, and whether sign-up is open
    /// (the page hides its sign-up form when it is not; the API has no endpoint that says so).
    func page(openRegistration: Bool) -> File {
        let html = pageTemplate
            .replacingOccurrences(of: "{{version}}", with: version)
            .replacingOccurrences(of: "{{signup}}", with: openRegistration ? "open" : "closed")
        let data = Data(html.utf8)
        return File(body: ByteBuffer(data: data), contentType: "text/html; charset=utf-8", etag: Self.etag(of: data))
    }

    static func etag(of data: Data) -> String {
        "\"" + SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }
}
