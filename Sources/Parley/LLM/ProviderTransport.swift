import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The HTTP half every provider shares: POST a JSON body and stream the answer through a
/// `StreamDecoder`, with the silence timeout, the bounds on a reply's size and a turn's time,
/// bounded retries of 429/503 before any token, and failures mapped onto `LLMError`.
struct ProviderTransport: Sendable {
    var client: HTTPClient
    var timeoutSeconds: Double
    /// `LLM_MAX_REPLY_BYTES`: the most text one reply may hold.
    var maxReplyBytes = 1 << 20
    /// `LLM_MAX_TURN_SECONDS`: the longest one call may take, retries and all.
    var maxTurnSeconds: Double = 600
    var maxRetries = 2
    /// `Retry-After` is honoured up to this many seconds.
    var maxRetryDelay: Double = 10

    func stream<Decoder: StreamDecoder>(
        url: String, headers: HTTPHeaders, body: Data, decoder: Decoder,
        onDelta: @escaping @Sendable (String) async throws -> Void
    ) async throws -> LLMCompletion {
        try await withSilenceTimeout(seconds: timeoutSeconds, totalSeconds: maxTurnSeconds) { watchdog in
            let response = try await send(url: url, method: .POST, headers: headers, body: body, watchdog: watchdog)
            var decoder = decoder
            var reply = ReplyAccumulator(maxTextBytes: maxReplyBytes)
            var chunks = response.body.makeAsyncIterator()
            while true {
                watchdog.startWaiting()
                let chunk: ByteBuffer?
                do {
                    chunk = try await chunks.next()
                } catch {
                    try Task.checkCancellation()
                    throw LLMError.invalidResponse("the stream broke off: \(Self.describe(error))")
                }
                watchdog.stopWaiting()
                guard let chunk else { break }
                for part in try decoder.feed(chunk.readableBytesView) {
                    if let text = try reply.apply(part) { try await onDelta(text) }
                }
                if reply.ended { break }
            }
            if !reply.ended {
                for part in try decoder.finish() {
                    if let text = try reply.apply(part) { try await onDelta(text) }
                }
            }
            guard reply.ended || reply.finishReason != nil else {
                throw LLMError.invalidResponse("the stream ended before the reply was complete")
            }
            return reply.completion
        }
    }

    /// GETs a JSON document (model lists) of the given shape.
    func getJSON<T: Decodable & Sendable>(_ type: T.Type, url: String, headers: HTTPHeaders, protocolName: String) async throws -> T {
        let data = try await withSilenceTimeout(seconds: timeoutSeconds, totalSeconds: maxTurnSeconds) { watchdog in
            let response = try await send(url: url, method: .GET, headers: headers, body: nil, watchdog: watchdog)
            watchdog.startWaiting()
            do {
                return Data(buffer: try await response.body.collect(upTo: 8 * 1024 * 1024))
            } catch {
                try Task.checkCancellation()
                throw LLMError.invalidResponse("the answer broke off: \(Self.describe(error))")
            }
        }
        guard let value = try? JSONDecoder().decode(T.self, from: data) else {
            throw LLMError.invalidResponse("\(url.split(separator: "/").last ?? "the answer") is not \(protocolName)'s shape")
        }
        return value
    }

    /// Sends until a 2xx head arrives, retrying 429/503 a bounded number of times.
    private func send(
        url: String, method: HTTPMethod, headers: HTTPHeaders, body: Data?, watchdog: SilenceWatchdog
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        var attempt = 0
        while true {
            watchdog.startWaiting()
            let response: HTTPClientResponse
            do {
                // No deadline of AHC's own: the watchdog bounds silence, however long the reply.
                response = try await client.execute(request, deadline: .distantFuture)
            } catch {
                try Task.checkCancellation()
                if let clientError = error as? HTTPClientError, clientError == .remoteConnectionClosed {
                    throw LLMError.invalidResponse("the connection closed before an answer")
                }
                // The provider is up; every connection Parley allows itself is in use.
                if let clientError = error as? HTTPClientError, clientError == .getConnectionFromPoolTimeout {
                    throw LLMError.busy
                }
                throw LLMError.unreachable(Self.describe(error))
            }
            if (200..<300).contains(response.status.code) { return response }

            let errorBody = (try? await response.body.collect(upTo: 64 * 1024)).map { Data(buffer: $0) } ?? Data()
            let retryable = response.status == .tooManyRequests || response.status == .serviceUnavailable
            if retryable, attempt < maxRetries {
                attempt += 1
                watchdog.stopWaiting()
                try await Task.sleep(for: .milliseconds(Int(retryDelay(response.headers, attempt: attempt) * 1000)))
                continue
            }
            let message = ProviderErrorMessage.extract(from: errorBody).map {
                ProviderErrorMessage.redacted($0, secrets: Self.secrets(in: headers))
            }
            throw LLMError.providerStatus(code: Int(response.status.code), message: message)
        }
    }

    /// The credentials a request carries, which a provider's error message may quote.
    private static func secrets(in headers: HTTPHeaders) -> [String] {
        headers["Authorization"].map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : $0 } + headers["x-api-key"]
    }

    private func retryDelay(_ headers: HTTPHeaders, attempt: Int) -> Double {
        if let value = headers.first(name: "Retry-After"), let seconds = Double(value), seconds >= 0 {
            return min(seconds, maxRetryDelay)
        }
        return min(0.5 * Double(attempt), maxRetryDelay)
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
