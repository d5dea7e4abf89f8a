import Foundation
import Vapor

/// Writes `data: <json>` events to a streamed response, and a `: keep-alive` comment whenever
/// nothing was written for a while, so proxies and clients do not give up on a slow model.
actor SSEWriter {
    /// The client is gone: a write to its connection failed.
    struct ClientDisconnected: Error {}

    private let writer: any AsyncBodyStreamWriter
    private var lastWrite = ContinuousClock.now
    private let encoder = JSONEncoder()

    init(_ writer: any AsyncBodyStreamWriter) {
        self.writer = writer
        encoder.outputFormatting = .withoutEscapingSlashes
    }

    /// One event; `id` becomes its `id:` line, which a client sends back as `Last-Event-ID`.
    func send(_ event: some Encodable, id: Int? = nil) async throws {
        var buffer = ByteBuffer(string: id.map { "id: \($0)\ndata: " } ?? "data: ")
        buffer.writeBytes(try encoder.encode(event))
        buffer.writeString("\n\n")
        try await write(buffer)
    }

    /// Several events in one write: what a reply that fell behind has waiting.
    func send(_ events: [NumberedEvent]) async throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(events.count * 64)
        for numbered in events {
            buffer.writeString("id: \(numbered.id)\ndata: ")
            if case let .delta(text) = numbered.event {
                // The most frequent event, written by hand.
                buffer.writeStaticString("{\"type\":\"delta\",\"content\":")
                JSONStringWriter.write(text, to: &buffer)
                buffer.writeStaticString("}")
            } else {
                buffer.writeBytes(try encoder.encode(numbered.event))
            }
            buffer.writeStaticString("\n\n")
        }
        try await write(buffer)
    }

    /// Text written as it is (OpenAI's `data: [DONE]`).
    func raw(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    func comment(_ text: String) async throws {
        try await write(ByteBuffer(string: ": \(text)\n\n"))
    }

    func end() async {
        try? await writer.write(.end)
    }

    private func write(_ buffer: ByteBuffer) async throws {
        lastWrite = .now
        do {
            try await writer.write(.buffer(buffer))
        } catch {
            throw ClientDisconnected()
        }
    }

    /// Sends keep-alive comments until cancelled; throws `ClientDisconnected` when one cannot be written.
    func keepAlive(every interval: Duration) async throws {
        while true {
            let due = lastWrite + interval
            if ContinuousClock.now >= due {
                try await comment("keep-alive")
                continue
            }
            try await Task.sleep(until: due, clock: .continuous)
        }
    }
}
