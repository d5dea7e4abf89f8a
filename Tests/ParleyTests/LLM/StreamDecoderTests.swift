import Testing
@testable import Parley

@Suite struct StreamDecoderTests {
    private func decode<D: StreamDecoder>(_ decoder: D, _ text: String, cut: Int? = nil) throws -> [StreamPart] {
        var decoder = decoder
        let bytes = Array(text.utf8)
        let cut = cut ?? bytes.count
        return try decoder.feed(bytes[..<cut]) + decoder.feed(bytes[cut...]) + decoder.finish()
    }

    // llama.cpp's shape: a role chunk with null content, `timings`, a usage chunk with empty choices.
    private let openAI = """
    data: {"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"model":"smollm2"}

    data: {"choices":[{"finish_reason":null,"index":0,"delta":{"content":"Hel"}}],"model":"smollm2","timings":{"x":1}}

    data: {"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"model":"smollm2"}

    data: {"choices":null,"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

    data: {"choices":[],"usage":null}

    data: [DONE]


    """

    @Test func openAIChunksAtEveryOffset() throws {
        let expected: [StreamPart] = [
            .model("smollm2"), .model("smollm2"), .delta("Hel"), .model("smollm2"), .finishReason("stop"),
            .promptTokens(9), .completionTokens(2), .end,
        ]
        for cut in 0...openAI.utf8.count {
            #expect(try decode(OpenAIStreamDecoder(), openAI, cut: cut) == expected)
        }
    }

    @Test func openAIGarbageAndErrors() {
        #expect(throws: LLMError.self) { try decode(OpenAIStreamDecoder(), "data: {nope\n\n") }
        #expect(throws: LLMError.providerReported("out of memory")) {
            try decode(OpenAIStreamDecoder(), #"data: {"error":{"message":"out of memory"}}"# + "\n\n")
        }
    }

    @Test func ollamaLines() throws {
        let text = #"{"model":"m","message":{"role":"assistant","content":"Hi"},"done":false}"# + "\n"
            + #"{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":1}"# + "\n"
        for cut in 0...text.utf8.count {
            #expect(try decode(OllamaStreamDecoder(), text, cut: cut) == [
                .model("m"), .delta("Hi"), .model("m"), .delta(""), .finishReason("stop"), .promptTokens(5), .completionTokens(1), .end,
            ])
        }
        #expect(throws: LLMError.providerReported("model not found")) { try decode(OllamaStreamDecoder(), #"{"error":"model not found"}"#) }
        #expect(throws: LLMError.self) { try decode(OllamaStreamDecoder(), "<html>\n") }
    }

    @Test func anthropicEvents() throws {
        let text = """
        event: message_start\r
        data: {"type":"message_start","message":{"model":"claude","usage":{"input_tokens":12,"output_tokens":1}}}\r
        \r
        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}

        event: message_stop
        data: {"type":"message_stop"}


        """
        for cut in 0...text.utf8.count {
            #expect(try decode(AnthropicStreamDecoder(), text, cut: cut) == [
                .model("claude"), .promptTokens(12), .completionTokens(1), .delta("Hi"), .finishReason("end_turn"), .completionTokens(3), .end,
            ])
        }
        #expect(throws: LLMError.providerReported("Overloaded")) {
            try decode(AnthropicStreamDecoder(), "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
        }
    }

    @Test func aTruncatedStreamHasNoEnd() throws {
        let parts = try decode(OpenAIStreamDecoder(), #"data: {"choices":[{"delta":{"content":"Hel"}}]}"# + "\n\n")
        #expect(!parts.contains(.end))
    }
}
