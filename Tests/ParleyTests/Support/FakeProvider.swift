import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
@testable import Parley

/// A model provider speaking OpenAI's, Ollama's and Anthropic's wire formats over real HTTP on
/// 127.0.0.1. Tests script how it behaves and read what it received.
final class FakeProvider: Sendable {
    enum Behaviour: Sendable {
        case reply
        /// Answers with this status and a body in the providers' error shape.
        case status(Int, message: String, retryAfter: String? = nil)
        /// 200, then bytes that are not the protocol.
        case garbage
        /// Accepts the request and never answers.
        case hang
        /// Sends this many text chunks, then closes the connection mid-stream.
        case dropAfter(Int)
        /// Sends this many text chunks, then goes silent.
        case stallAfter(Int)
        /// Answers 307 to `/stolen`, which records what reaches it.
        case redirect
        /// 200, then this many bytes of one line that never ends, then closes.
        case endlessLine(bytes: Int)
    }

    struct Received: Sendable {
        var path: String
        var headers: HTTPHeaders
        var body: Data

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var messages: [[String: String]] { (json["messages"] as? [[String: Any]] ?? []).map { $0.compactMapValues { $0 as? String } } }
    }

    private struct State {
        var behaviours: [Behaviour] = []
        var chunks = ["Hello", "!", " How can", " I help?"]
        var chunkDelay: Duration = .zero
        var received: [Received] = []
        var stopped = false
        var resumed = false
        var finishedStreams = 0
        var cancelledStreams = 0
    }

    private let state = NIOLockedValueBox(State())
    let app: Application
    private let port = NIOLockedValueBox(0)
    var baseURL: String { "http://127.0.0.1:\(port.withLockedValue { $0 })" }

    var chunks: [String] {
        get { state.withLockedValue { $0.chunks } }
        set { state.withLockedValue { $0.chunks = newValue } }
    }
    var reply: String { chunks.joined() }
    var chunkDelay: Duration {
        get { state.withLockedValue { $0.chunkDelay } }
        set { state.withLockedValue { $0.chunkDelay = newValue } }
    }
    var received: [Received] { state.withLockedValue { $0.received } }
    var cancelledStreams: Int { state.withLockedValue { $0.cancelledStreams } }

    /// Behaviours for the next requests, in order; after them, plain replies.
    func then(_ behaviours: Behaviour...) {
        state.withLockedValue { $0.behaviours += behaviours }
    }

    private init(app: Application) {
        self.app = app
    }

    static func start() async throws -> FakeProvider {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .critical
        let fake = FakeProvider(app: app)
        fake.routes()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        fake.port.withLockedValue { $0 = port }
        return fake
    }

    func stop() async {
        state.withLockedValue { $0.stopped = true }
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }

    private func routes() {
        app.routes.defaultMaxBodySize = "10mb"
        app.post("v1", "chat", "completions") { request in try await self.chat(request, format: .openai) }
        app.post("api", "chat") { request in try await self.chat(request, format: .ollama) }
        app.post("v1", "messages") { request in try await self.chat(request, format: .anthropic) }
        app.get("v1", "models") { _ in Response(status: .ok, body: .init(string: #"{"object":"list","data":[{"id":"fake-model"},{"id":"other-model"}]}"#)) }
        app.get("api", "tags") { _ in Response(status: .ok, body: .init(string: #"{"models":[{"name":"fake-model"},{"name":"other-model"}]}"#)) }
        app.on(.POST, "stolen", body: .collect(maxSize: "10mb")) { request in try await self.chat(request, format: .openai) }
    }

    enum Format { case openai, ollama, anthropic }

    private func chat(_ request: Request, format: Format) async throws -> Response {
        let behaviour = state.withLockedValue { state -> Behaviour in
            state.received.append(Received(
                path: request.url.path, headers: request.headers, body: Data(buffer: request.body.data ?? ByteBuffer())))
            return state.behaviours.isEmpty ? .reply : state.behaviours.removeFirst()
        }
        let (chunks, delay) = state.withLockedValue { ($0.chunks, $0.chunkDelay) }
        switch behaviour {
        case let .status(code, message, retryAfter):
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            if let retryAfter { headers.add(name: "Retry-After", value: retryAfter) }
            return Response(status: .init(statusCode: code), headers: headers,
                            body: .init(string: #"{"error":{"message":"\#(message)","type":"fake_error"}}"#))
        case .garbage:
            return Response(status: .ok, headers: ["Content-Type": "text/event-stream"],
                            body: .init(string: format == .ollama ? "this is not json\n" : "data: {this is not json}\n\n"))
        case .hang:
            try await waitUntilStopped()
            throw Abort(.serviceUnavailable)
        case .redirect:
            return Response(status: .temporaryRedirect, headers: ["Location": baseURL + "/stolen"])
        case let .endlessLine(bytes):
            let response = Response(status: .ok, headers: ["Content-Type": format == .ollama ? "application/x-ndjson" : "text/event-stream"])
            response.body = .init(managedAsyncStream: { writer in
                try await writer.write(.buffer(ByteBuffer(string: format == .ollama ? "{\"model\":\"" : "data: {\"model\":\"")))
                let piece = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
                for _ in 0..<(bytes / piece.readableBytes) { try await writer.write(.buffer(piece)) }
            })
            return response
        case .reply, .dropAfter, .stallAfter:
            let response = Response(status: .ok, headers: ["Content-Type": format == .ollama ? "application/x-ndjson" : "text/event-stream"])
            response.body = .init(asyncStream: { writer in
                do {
                    try await writer.write(.buffer(ByteBuffer(string: Self.opening(format))))
                    for (index, chunk) in chunks.enumerated() {
                        if case let .dropAfter(count) = behaviour, index == count {
                            try await writer.write(.error(Abort(.internalServerError)))
                            return
                        }
                        if case let .stallAfter(count) = behaviour, index == count {
                            try await self.waitUntilStopped()
                        }
                        if delay > .zero { try await Task.sleep(for: delay) }
                        try await writer.write(.buffer(ByteBuffer(string: Self.delta(chunk, format))))
                    }
                    try await writer.write(.buffer(ByteBuffer(string: Self.closing(format, completionTokens: chunks.count))))
                    try await writer.write(.end)
                    self.state.withLockedValue { $0.finishedStreams += 1 }
                } catch {
                    self.state.withLockedValue { $0.cancelledStreams += 1 }
                    try? await writer.write(.error(error))
                }
            })
            return response
        }
    }

    /// Lets stalled streams go on.
    func resume() {
        state.withLockedValue { $0.resumed = true }
    }

    private func waitUntilStopped() async throws {
        while !state.withLockedValue({ $0.stopped || $0.resumed }) { try await Task.sleep(for: .milliseconds(20)) }
    }

    static let promptTokens = 17

    private static func json(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    private static func opening(_ format: Format) -> String {
        switch format {
        case .openai:
            #"data: {"id":"c1","object":"chat.completion.chunk","model":"fake-model","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}"# + "\n\n"
        case .ollama: ""
        case .anthropic:
            "event: message_start\ndata: " + #"{"type":"message_start","message":{"id":"m1","model":"fake-model","usage":{"input_tokens":\#(promptTokens),"output_tokens":1}}}"#
                + "\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n"
                + "event: content_block_start\ndata: " + #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"# + "\n\n"
        }
    }

    private static func delta(_ text: String, _ format: Format) -> String {
        switch format {
        case .openai:
            #"data: {"model":"fake-model","choices":[{"index":0,"delta":{"content":\#(json(text))},"finish_reason":null}],"timings":{}}"# + "\n\n"
        case .ollama:
            #"{"model":"fake-model","message":{"role":"assistant","content":\#(json(text))},"done":false}"# + "\n"
        case .anthropic:
            "event: content_block_delta\r\ndata: " + #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(json(text))}}"# + "\r\n\r\n"
        }
    }

    private static func closing(_ format: Format, completionTokens: Int) -> String {
        switch format {
        case .openai:
            #"data: {"model":"fake-model","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
                + #"data: {"model":"fake-model","choices":[],"usage":{"prompt_tokens":\#(promptTokens),"completion_tokens":\#(completionTokens),"total_tokens":0}}"# + "\n\n"
                + "data: [DONE]\n\n"
        case .ollama:
            #"{"model":"fake-model","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":\#(promptTokens),"eval_count":\#(completionTokens)}"# + "\n"
        case .anthropic:
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: message_delta\ndata: " + #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":\#(completionTokens)}}"# + "\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
        }
    }
}

/// Parley replicas on one database whose provider is one `FakeProvider` (OpenAI's format).
func withChatReplicas(
    _ count: Int,
    _ test: ([TestServer], FakeProvider) async throws -> Void
) async throws {
    let fake = try await FakeProvider.start()
    do {
        try await withReplicas(count, { settings in
            settings.llmProvider = .openai
            settings.llmBaseURL = fake.baseURL + "/v1"
            settings.llmModel = "fake-model"
            settings.llmTimeoutSeconds = 30  // streams held at a gate outlast a slow machine; tests of silence set their own
            settings.chatRateLimit = 0
        }) { servers in
            try await test(servers, fake)
        }
    } catch {
        await fake.stop()
        throw error
    }
    await fake.stop()
}

/// A Parley server whose provider is a `FakeProvider` speaking `format`.
func withChatServer(
    _ format: FakeProvider.Format = .openai,
    _ adjust: (inout Settings) -> Void = { _ in },
    _ test: (TestServer, FakeProvider) async throws -> Void
) async throws {
    let fake = try await FakeProvider.start()
    do {
        try await withServer({ settings in
            switch format {
            case .openai:
                settings.llmProvider = .openai
                settings.llmBaseURL = fake.baseURL + "/v1"
            case .ollama:
                settings.llmProvider = .ollama
                settings.llmBaseURL = fake.baseURL
            case .anthropic:
                settings.llmProvider = .anthropic
                settings.llmBaseURL = fake.baseURL
            }
            settings.llmModel = "fake-model"
            settings.llmTimeoutSeconds = 30  // streams held at a gate outlast a slow machine; tests of silence set their own
            // Loopback connects at once, unless a machine running every suite in parallel is slow to accept.
            settings.llmConnectTimeoutSeconds = 5
            settings.chatRateLimit = 0
            adjust(&settings)
        }) { server in
            try await test(server, fake)
        }
    } catch {
        await fake.stop()
        throw error
    }
    await fake.stop()
}
