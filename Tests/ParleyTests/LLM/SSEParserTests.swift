import Testing
@testable import Parley

@Suite struct SSEParserTests {
    private func parse(_ chunks: [[UInt8]]) throws -> [ServerSentEvent] {
        var parser = SSEParser()
        return try chunks.flatMap { try parser.feed($0) } + parser.finish()
    }

    private let stream = "\u{FEFF}: a comment\r\ndata: first\r\n\r\nevent: custom\ndata:second line one\ndata: line two\nid: 7\n\n: keep-alive\n\ndata\n\nretry: 100\ndata: {\"x\": \"é🦜\"}\r\r"

    private let expected = [
        ServerSentEvent(data: "first"),
        ServerSentEvent(event: "custom", data: "second line one\nline two", id: "7"),
        ServerSentEvent(data: "", id: "7"),
        ServerSentEvent(data: "{\"x\": \"é🦜\"}", id: "7"),
    ]

    @Test func wholeStream() throws {
        #expect(try parse([Array(stream.utf8)]) == expected)
    }

    @Test func splitAtEveryByteOffset() throws {
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            #expect(try parse([Array(bytes[..<cut]), Array(bytes[cut...])]) == expected, "cut at \(cut)")
        }
    }

    @Test func oneByteAtATime() throws {
        #expect(try parse(Array(stream.utf8).map { [$0] }) == expected)
    }

    @Test func anUnfinishedEventIsDropped() throws {
        #expect(try parse([Array("data: done\n\ndata: half".utf8)]) == [ServerSentEvent(data: "done")])
    }

    @Test func linesSplitAnywhere() throws {
        let bytes = Array("{\"a\":1}\r\n\n{\"b\":\"ü\"}\n{\"c\":3}".utf8)
        for cut in 0...bytes.count {
            var splitter = LineSplitter()
            let lines = try splitter.feed(bytes[..<cut]) + splitter.feed(bytes[cut...]) + splitter.finish()
            #expect(lines == ["{\"a\":1}", "{\"b\":\"ü\"}", "{\"c\":3}"], "cut at \(cut)")
        }
    }

    @Test func aLineLongerThanTheCapFailsTheStream() throws {
        var parser = SSEParser(maxLineBytes: 64)
        #expect(try parser.feed(Array(("data: " + String(repeating: "x", count: 50) + "\n\n").utf8)).count == 1)
        // Fed in small pieces and never ended: the cap holds however the bytes arrive.
        #expect(throws: StreamLimit.lineTooLong(64)) {
            for _ in 0..<10 { _ = try parser.feed(Array("data: xxxxxxxx".utf8)) }
        }
    }

    @Test func manyDataLinesCountAsOneEvent() {
        var parser = SSEParser(maxLineBytes: 64)
        #expect(throws: StreamLimit.lineTooLong(64)) {
            for _ in 0..<10 { _ = try parser.feed(Array("data: xxxxxxxxxxxxxxxx\n".utf8)) }
        }
    }

    @Test func anNDJSONLineLongerThanTheCapFailsTheStream() {
        var splitter = LineSplitter(maxLineBytes: 64)
        #expect(throws: StreamLimit.lineTooLong(64)) {
            for _ in 0..<10 { _ = try splitter.feed(Array("{\"xxxxxxxxxx\":1}".utf8)) }
        }
    }
}
