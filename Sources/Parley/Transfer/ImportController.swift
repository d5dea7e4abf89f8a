import Foundation
import NIOPosix
import Vapor

/// `POST /api/v1/conversations/import`: a Parley export (one conversation, or the account's
/// array of them) or a ChatGPT `conversations.json`. The body is read as a stream and split into
/// conversations as it arrives (`JSONElementSplitter`), each parsed and stored on its own, in its
/// own transaction: memory holds one conversation, not the file. A conversation that cannot be
/// read or stored is reported in `failed` and the others are imported.
struct ImportController: RouteCollection {
    private static let mebibytes = Limits.importBytes >> 20
    private static let tooLarge = Abort(.payloadTooLarge, reason: "An import may be at most \(mebibytes) MiB")

    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("api", "v1", "conversations").grouped(UserAuthenticator())
            .on(.POST, "import", body: .stream, use: importFile)
    }

    @Sendable
    func importFile(request: Request) async throws -> Response {
        let ownerID = try request.requireUser().id
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > Limits.importBytes {
            throw Self.tooLarge
        }
        let writer = request.application.parley.writer
        let pool = request.application.threadPool
        var splitter = JSONElementSplitter()
        var result = ImportResult()
        var received = 0
        var index = 0
        /// A failure of the file as a whole: refused when nothing was imported yet, else reported
        /// (what was imported stays: each conversation is its own transaction).
        func stop(_ refusal: any Error, detail: String) throws {
            if result.conversations == 0 && result.failed.isEmpty { throw refusal }
            result.failed.append(ImportResult.Failure(index: index, detail: detail))
        }
        do {
            for try await buffer in request.body {
                received += buffer.readableBytes
                if received > Limits.importBytes {
                    try stop(Self.tooLarge, detail: "The file is over \(Self.mebibytes) MiB: the rest was not read")
                    return try await result.encodeResponse(status: .created, for: request)
                }
                for item in try splitter.feed(buffer.readableBytesView) {
                    await importItem(item, index: index, ownerID: ownerID, writer: writer, pool: pool, into: &result, logger: request.logger)
                    index += 1
                }
            }
            if received == 0 { throw ValidationFailure.missing(["body"]) }
            try splitter.finish()
        } catch is JSONElementSplitter.Failure {
            try stop(ValidationFailure(loc: ["body"], msg: "Expected a JSON array of conversations or one conversation", type: "json_invalid"),
                     detail: "The file is not valid JSON from here on: the rest was not read")
        }
        return try await result.encodeResponse(status: .created, for: request)
    }

    private func importItem(_ item: [UInt8], index: Int, ownerID: UUID, writer: DatabaseWriter, pool: NIOThreadPool,
                            into result: inout ImportResult, logger: Logger) async {
        let conversation: ImportedConversation
        do {
            // Parsing a large conversation is CPU work: off the event loops.
            conversation = try await pool.runIfActive { try JSONDecoder().decode(ImportItem.self, from: Data(item)).conversation }
        } catch {
            result.failed.append(ImportResult.Failure(index: index, detail: "Not a conversation Parley can read"))
            return
        }
        do {
            result.messages += try await ConversationImporter.store(conversation, ownerID: ownerID, writer: writer)
            result.conversations += 1
            result.skipped += conversation.skipped
        } catch {
            logger.warning("import: conversation \(index) could not be stored: \(String(reflecting: error))")
            result.failed.append(ImportResult.Failure(index: index, detail: "Could not be stored"))
        }
    }
}

/// One item of an import file, in either format: ChatGPT's has a `mapping`, Parley's `messages`.
struct ImportItem: Decodable {
    var conversation: ImportedConversation

    private enum Keys: String, CodingKey { case mapping }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        conversation = container.contains(.mapping)
            ? try ChatGPTConversation(from: decoder).imported
            : ImportedConversation(parley: try ExportedConversation(from: decoder))
    }
}

struct ImportResult: Content {
    struct Failure: Content {
        var index: Int
        var detail: String
    }

    var conversations = 0
    var messages = 0
    var skipped = 0
    /// The conversations not imported, by their place in the file (from 0).
    var failed: [Failure] = []
}
