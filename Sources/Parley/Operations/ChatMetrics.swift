import Prometheus

/// What `/metrics` tells about chats and the provider, beside the request counts and latencies by
/// route and status that Vapor reports through swift-metrics.
struct ChatMetrics: Sendable {
    enum Outcome: String, CaseIterable, Sendable {
        case ok, stopped, interrupted, providerError = "provider_error", timeout, unreachable, busy, failed
    }

    private let outcomes: [Outcome: Counter]
    private let promptTokens: Counter
    private let completionTokens: Counter
    private let providerSeconds: DurationHistogram
    private let firstTokenSeconds: DurationHistogram

    init(registry: PrometheusCollectorRegistry) {
        var outcomes: [Outcome: Counter] = [:]
        for outcome in Outcome.allCases {
            outcomes[outcome] = registry.makeCounter(
                name: "parley_chat_requests_total", labels: [("outcome", outcome.rawValue)], help: "Chat requests by outcome")
        }
        self.outcomes = outcomes
        promptTokens = registry.makeCounter(name: "parley_tokens_total", labels: [("kind", "prompt")], help: "Tokens counted by the provider")
        completionTokens = registry.makeCounter(name: "parley_tokens_total", labels: [("kind", "completion")], help: "Tokens counted by the provider")
        let buckets: [Duration] = [.milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                   .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120)]
        providerSeconds = registry.makeDurationHistogram(
            name: "parley_provider_duration_seconds", buckets: buckets, help: "Time from sending a chat to the provider to its last token")
        firstTokenSeconds = registry.makeDurationHistogram(
            name: "parley_provider_first_token_seconds", buckets: buckets, help: "Time from sending a chat to the provider to its first token")
    }

    func record(_ outcome: Outcome) {
        outcomes[outcome]?.increment()
    }

    func record(providerTime: Duration, firstToken: Duration?, usage: TokenUsage) {
        providerSeconds.record(providerTime)
        if let firstToken { firstTokenSeconds.record(firstToken) }
        promptTokens.increment(by: Int64(usage.promptTokens))
        completionTokens.increment(by: Int64(usage.completionTokens))
    }

    static func outcome(of error: any Error) -> Outcome {
        switch error {
        case LLMError.timeout: .timeout
        case LLMError.unreachable: .unreachable
        case LLMError.busy: .busy
        case is LLMError: .providerError
        default: .failed
        }
    }
}
