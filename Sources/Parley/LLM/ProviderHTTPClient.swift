import AsyncHTTPClient
import Vapor

/// The HTTP client for model providers, closed with the app.
enum ProviderHTTPClient {
    static func make(for app: Application, settings: Settings) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // The connect timeout also bounds how long a request waits for a free connection, so a
        // chat that finds them all busy is a quick 503 (`LLMError.busy`).
        configuration.timeout = .init(connect: .milliseconds(Int64(settings.llmConnectTimeoutSeconds * 1000)))
        configuration.decompression = .disabled
        // A redirect would carry the API key to wherever the provider (or whoever answers in its
        // place) points; it is answered as the provider's error instead.
        configuration.redirectConfiguration = .disallow
        // AsyncHTTPClient keeps 8 connections per host by default, and a streamed chat holds one
        // for its whole reply: the 9th concurrent chat would wait and fail.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = settings.llmMaxConnections
        let client = HTTPClient(eventLoopGroup: app.eventLoopGroup, configuration: configuration)
        app.lifecycle.use(Shutdown(client: client))
        return client
    }

    private struct Shutdown: LifecycleHandler {
        let client: HTTPClient

        func shutdownAsync(_ application: Application) async {
            try? await client.shutdown()
        }
    }
}
