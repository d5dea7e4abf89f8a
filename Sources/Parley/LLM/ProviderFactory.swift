import AsyncHTTPClient

extension Settings {
    /// The model used when a request names none and `LLM_MODEL` is unset.
    var defaultModel: String {
        if let llmModel { return llmModel }
        switch llmProvider {
        case .openai: return "smollm2"  // the alias scripts/local-model gives the bundled model
        case .ollama: return "llama3.2"
        case .anthropic: return "claude-3-5-haiku-latest"
        }
    }

    /// The provider `LLM_PROVIDER` names, on the given HTTP client.
    func makeProvider(client: HTTPClient) -> any LLMProvider {
        let transport = ProviderTransport(
            client: client, timeoutSeconds: llmTimeoutSeconds, maxReplyBytes: llmMaxReplyBytes, maxTurnSeconds: llmMaxTurnSeconds)
        switch llmProvider {
        case .openai: return OpenAIProvider(baseURL: llmBaseURL, apiKey: llmAPIKey, transport: transport)
        case .ollama: return OllamaProvider(baseURL: llmBaseURL, apiKey: llmAPIKey, transport: transport)
        case .anthropic: return AnthropicProvider(baseURL: llmBaseURL, apiKey: llmAPIKey, transport: transport)
        }
    }
}
