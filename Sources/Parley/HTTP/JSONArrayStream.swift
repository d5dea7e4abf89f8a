import Foundation
import Vapor

/// A JSON array written as a response stream, one item at a time: the whole never sits in memory,
/// only the items not yet flushed (about `flushSize`). For lists whose size the server does not
/// choose (a page of long messages, an export). Headers, status and anything that can fail with a
/// proper error response must be settled before the stream starts; a failure while streaming
/// ends the connection early, so the client sees a truncated document, never a wrong one.
enum JSONArrayStream {
    static func response(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:],
                         _ produce: @escaping @Sendable (JSONStreamWriter) async throws -> Void) -> Response {
        document(status: status, headers: headers) { stream in
            try await stream.raw("[")
            try await produce(stream)
            try await stream.raw("]")
        }
    }

    /// Any text document written piece by piece (a JSON object around a streamed array, Markdown).
    static func document(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:],
                         _ produce: @escaping @Sendable (JSONStreamWriter) async throws -> Void) -> Response {
        var headers = headers
        if !headers.contains(name: .contentType) { headers.contentType = .json }
        let response = Response(status: status, headers: headers)
        response.body = .init(asyncStream: { writer in
            let stream = JSONStreamWriter(writer)
            do {
                try await produce(stream)
                try await stream.flush()
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        })
        return response
    }
}

/// Writes JSON text into a streamed body, buffering up to `flushSize` between writes.
/// Used by one task at a time (the stream's producer).
final class JSONStreamWriter: @unchecked Sendable {
    static let flushSize = 64 * 1024
    private let writer: any AsyncBodyStreamWriter
    private var buffer = ByteBuffer()
    private var items = 0
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    init(_ writer: any AsyncBodyStreamWriter) { self.writer = writer }

    /// Appends one element of the array.
    func append<T: Encodable>(_ item: T) async throws {
        if items > 0 { buffer.writeStaticString(",") }
        items += 1
        buffer.writeBytes(try encoder.encode(item))
        if buffer.readableBytes >= Self.flushSize { try await flush() }
    }

    /// Appends JSON text as it is (punctuation around items, a document's own fields).
    func raw(_ text: String) async throws {
        buffer.writeString(text)
        if buffer.readableBytes >= Self.flushSize { try await flush() }
    }

    /// Encodes a value as JSON text, for a caller composing an object around a streamed array.
    func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Starts a nested array: items appended after it are counted from zero again.
    func resetItems() { items = 0 }

    func flush() async throws {
        guard buffer.readableBytes > 0 else { return }
        let chunk = buffer
        buffer = ByteBuffer()
        try await writer.writeBuffer(chunk)
    }
}
